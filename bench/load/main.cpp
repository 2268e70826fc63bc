// presently-load: many sessions against one or more gateways, speaking only the protocol.
#include "LoadRunner.h"
#include "WsConnection.h"

#include <QJsonDocument>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>

using presently::bench::GatewayAddress;
using presently::bench::LoadOptions;

namespace {
void usage()
{
    std::puts("presently-load --gateway HOST:PORT [--gateway HOST:PORT ...]\n"
              "  [--scenario steady|propagation|flapping|throughput|drops|messages|capacity|changes]\n"
              "  [--users N] [--sessions-per-user N] [--contacts K] [--heartbeat-ms MS] "
              "[--idle-share F]\n"
              "  [--duration-s S] [--status-every-ms MS] [--flap-every-ms MS] [--drop-share F]\n"
              "  [--rate-steps R1,R2,...] [--step-s S] [--max-p99-ms MS] [--source-addresses N]\n"
              "  [--message-rate-steps M1,M2,...] [--fsync-count-dir DIR]\n"
              "  [--fsync-delay-file FILE --fsync-delay-ms MS]\n"
              "  [--redis-port PORT] [--gateway-pid PID ...] [--prefix NAME] [--tokens-file FILE]\n"
              "  [--shard K/N --sync-dir DIR] [--tls] [--output FILE.json]");
}
} // namespace

int main(int argc, char *argv[])
{
    LoadOptions o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        try {
            auto value = [&]() -> std::string {
                if (i + 1 >= argc) {
                    std::fprintf(stderr, "%s needs a value\n", a.c_str());
                    std::exit(2);
                }
                return argv[++i];
            };
            if (a == "--gateway") {
                const std::string v = value();
                const size_t colon = v.rfind(':');
                o.gateways.push_back({v.substr(0, colon), std::stoi(v.substr(colon + 1))});
            } else if (a == "--scenario")
                o.scenario = value();
            else if (a == "--users")
                o.users = std::stoi(value());
            else if (a == "--sessions-per-user")
                o.sessionsPerUser = std::stoi(value());
            else if (a == "--contacts")
                o.contacts = std::stoi(value());
            else if (a == "--heartbeat-ms")
                o.heartbeatMs = std::stoi(value());
            else if (a == "--idle-share")
                o.idleShare = std::stod(value());
            else if (a == "--duration-s")
                o.durationS = std::stoi(value());
            else if (a == "--status-every-ms")
                o.statusEveryMs = std::stoi(value());
            else if (a == "--flap-every-ms")
                o.flapEveryMs = std::stoi(value());
            else if (a == "--drop-share")
                o.dropShare = std::stod(value());
            else if (a == "--rate-steps") {
                std::stringstream list(value());
                for (std::string rate; std::getline(list, rate, ',');)
                    o.rateSteps.push_back(std::stod(rate));
            } else if (a == "--message-rate-steps") {
                std::stringstream list(value());
                for (std::string rate; std::getline(list, rate, ',');)
                    o.messageRateSteps.push_back(std::stod(rate));
            } else if (a == "--fsync-count-dir")
                o.fsyncCountDir = value();
            else if (a == "--fsync-delay-file")
                o.fsyncDelayFile = value();
            else if (a == "--fsync-delay-ms")
                o.fsyncDelayMs = std::stoi(value());
            else if (a == "--step-s")
                o.stepS = std::stoi(value());
            else if (a == "--max-p99-ms")
                o.maxP99Ms = std::stod(value());
            else if (a == "--tokens-file")
                o.tokensFile = value();
            else if (a == "--sync-dir")
                o.syncDir = value();
            else if (a == "--shard") {
                const std::string v = value();
                const size_t slash = v.find('/');
                o.shardIndex = std::stoi(v.substr(0, slash));
                o.shardCount = slash == std::string::npos ? 1 : std::stoi(v.substr(slash + 1));
            } else if (a == "--source-addresses")
                o.sourceAddresses = std::stoi(value());
            else if (a == "--redis-port")
                o.redisPort = std::stoi(value());
            else if (a == "--gateway-pid")
                o.gatewayPids.push_back(std::stoi(value()));
            else if (a == "--prefix")
                o.prefix = value();
            else if (a == "--output")
                o.output = value();
            else if (a == "--tls") // wss:// to every gateway
                o.tls = true;
            else if (a == "--help" || a == "-h") {
                usage();
                return 0;
            } else {
                std::fprintf(stderr, "unknown argument %s\n", a.c_str());
                usage();
                return 2;
            }
        } catch (const std::exception &) {
            std::fprintf(stderr, "bad value for %s\n", a.c_str());
            return 2;
        }
    }
    const bool shardsOk = o.shardCount >= 1 && o.shardIndex >= 0 && o.shardIndex < o.shardCount &&
                          (o.shardCount == 1 || !o.syncDir.empty());
    const bool stepsOk =
        (o.scenario == "throughput" || o.scenario == "messages" || o.scenario == "changes") == !o.rateSteps.empty() &&
        (o.messageRateSteps.empty() || o.messageRateSteps.size() == o.rateSteps.size());
    if (o.gateways.empty() || o.users < 2 || !shardsOk || !stepsOk) {
        usage();
        return 2;
    }
    if (o.tls && !presently::bench::WsConnection::enableTls()) {
        std::fputs("cannot start OpenSSL\n", stderr);
        return 1;
    }
    const QJsonObject result = presently::bench::LoadRunner(o).run();
    std::fputs(QJsonDocument(result).toJson().constData(), stdout);
    return result.contains("error") ? 1 : 0;
}
