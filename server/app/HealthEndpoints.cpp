#include "app/HealthEndpoints.h"

#include "app/Readiness.h"
#include "metrics/Metrics.h"
#include "net/WebSocketCodec.h"

namespace presently {

namespace {
constexpr const char *kText = "text/plain; charset=utf-8";
// Scrapers and checkers must not cache either.
constexpr const char *kNoStore = "Cache-Control: no-store\r\n";
} // namespace

QByteArray HealthEndpoints::answer(const QByteArray &target, bool withMetrics) const
{
    // The path alone: a checker may add a query ("/readyz?verbose").
    const qsizetype query = target.indexOf('?');
    const QByteArray path = query < 0 ? target : target.first(query);
    if (path == "/healthz")
        return WebSocketCodec::httpResponse("200 OK", kText, "ok\n", kNoStore);
    if (path == "/readyz") {
        const QString reason = m_readiness.reason();
        if (reason.isEmpty())
            return WebSocketCodec::httpResponse("200 OK", kText, "ready\n", kNoStore);
        return WebSocketCodec::httpResponse("503 Service Unavailable", kText, "not ready: " + reason.toUtf8() + '\n',
                                            kNoStore);
    }
    if (path == "/metrics" && withMetrics)
        return WebSocketCodec::httpResponse("200 OK", "text/plain; version=0.0.4; charset=utf-8",
                                            Metrics::instance().exposition(), kNoStore);
    return {};
}

} // namespace presently
