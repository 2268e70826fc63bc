#include "app/AdminCommand.h"

#include "accounts/AccountStore.h"
#include "accounts/PasswordHasher.h"
#include "app/ServerConfig.h"
#include "base/Clock.h"
#include "protocol/Protocol.h"
#include "protocol/ProtocolLimits.h"

#include <QTextStream>
#include <cstdio>
#ifdef Q_OS_UNIX
#include <termios.h>
#include <unistd.h>
#endif

namespace presently {

namespace {
void say(FILE *stream, const QString &text)
{
    std::fprintf(stream, "%s\n", qPrintable(text));
}

// One line from standard input; on a terminal asked for, without echo.
QString readPassword(const QString &prompt)
{
#ifdef Q_OS_UNIX
    const bool terminal = ::isatty(STDIN_FILENO);
    termios saved{};
    if (terminal) {
        std::fprintf(stderr, "%s", qPrintable(prompt));
        std::fflush(stderr);
        ::tcgetattr(STDIN_FILENO, &saved);
        termios quiet = saved;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
#else
    std::fprintf(stderr, "%s", qPrintable(prompt));
#endif
    QTextStream in(stdin);
    const QString line = in.readLine();
#ifdef Q_OS_UNIX
    if (terminal) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        std::fputs("\n", stderr);
    }
#endif
    return line;
}

// Takes `--name VALUE` out of `arguments`; `fallback` when absent. False on a bad number.
bool takeNumber(QStringList &arguments, const QString &name, int fallback, int *value)
{
    *value = fallback;
    const qsizetype at = arguments.indexOf(name);
    if (at < 0)
        return true;
    bool ok = false;
    *value = arguments.value(at + 1).toInt(&ok);
    arguments.remove(at, std::min<qsizetype>(2, arguments.size() - at));
    return ok && *value > 0;
}

int userCommand(AccountStore &accounts, const QString &action, const QString &givenName)
{
    const std::optional<QString> name = normalizeUserName(givenName);
    if (!name) {
        say(stderr, QStringLiteral("\"%1\" is not a user name (2 to 32 of a-z 0-9 . _ -)").arg(givenName));
        return 2;
    }
    if (action == QLatin1String("remove")) {
        const StoreResult<bool> removed = accounts.removeUser(*name);
        if (!removed)
            return 1;
        say(stdout, *removed ? QStringLiteral("removed %1").arg(*name) : QStringLiteral("no user %1").arg(*name));
        return *removed ? 0 : 1;
    }
    const ProtocolLimits limits;
    const QString password = readPassword(QStringLiteral("Password for %1: ").arg(*name));
    if (password.size() < limits.minPasswordChars || password.size() > limits.maxPasswordChars) {
        say(stderr, QStringLiteral("a password is %1 to %2 characters")
                        .arg(limits.minPasswordChars)
                        .arg(limits.maxPasswordChars));
        return 2;
    }
    const QByteArray hash = PasswordHasher::hash(password);
    if (hash.isEmpty())
        return 1;
    if (action == QLatin1String("add")) {
        const StoreResult<AccountStore::CreateResult> created = accounts.createUser(*name, hash, Clock::nowMs());
        if (!created)
            return 1;
        if (*created == AccountStore::CreateResult::Exists) {
            say(stderr, QStringLiteral("%1 exists already").arg(*name));
            return 1;
        }
        say(stdout, QStringLiteral("added %1").arg(*name));
        return 0;
    }
    // passwd: the new password, and no session token of the old one goes on working.
    const StoreResult<bool> exists = accounts.userExists(*name);
    if (!exists)
        return 1;
    if (!*exists) {
        say(stderr, QStringLiteral("no user %1").arg(*name));
        return 1;
    }
    if (!accounts.setPasswordHash(*name, hash) || !accounts.revokeTokensOf(*name))
        return 1;
    say(stdout, QStringLiteral("new password for %1; its sessions must sign in again").arg(*name));
    return 0;
}
} // namespace

std::optional<int> AdminCommand::run(const QStringList &given)
{
    const QString command = given.value(1);
    if (command != QLatin1String("user") && command != QLatin1String("invite"))
        return std::nullopt;
    QStringList arguments = given;
    const QString action = arguments.value(2);
    const bool isUser = command == QLatin1String("user");
    const bool known = isUser ? (action == QLatin1String("add") || action == QLatin1String("remove") ||
                                 action == QLatin1String("passwd"))
                              : action == QLatin1String("create");
    if (!known || (isUser && (arguments.size() < 4 || arguments.at(3).startsWith(QLatin1Char('-'))))) {
        say(stderr, QStringLiteral("usage: presently-server user add|passwd|remove NAME [--db URL]\n"
                                   "       presently-server invite create [--uses N] [--days D] [--db URL]"));
        return 2;
    }
    const QString name = isUser ? arguments.at(3) : QString();
    arguments.remove(1, isUser ? 3 : 2);
    int uses = 1;
    int days = 7;
    if (!isUser && (!takeNumber(arguments, QStringLiteral("--uses"), 1, &uses) ||
                    !takeNumber(arguments, QStringLiteral("--days"), 7, &days))) {
        say(stderr, QStringLiteral("--uses and --days must be positive numbers"));
        return 2;
    }
    // The database the gateway uses: from the same flags, environment and config file.
    int exitCode = 0;
    const std::optional<ServerConfig> config = ServerConfig::fromArguments(arguments, &exitCode);
    if (!config)
        return exitCode;
    if (!PasswordHasher::initialize()) {
        say(stderr, QStringLiteral("cannot initialise libsodium"));
        return 1;
    }
    AccountStore accounts;
    QString error;
    if (!accounts.open(config->database, &error)) {
        say(stderr, error);
        return 1;
    }
    if (isUser)
        return userCommand(accounts, action, name);
    const qint64 now = Clock::nowMs();
    const StoreResult<QString> code = accounts.createInvite(uses, now + qint64(days) * 24 * 3600 * 1000, now);
    if (!code)
        return 1;
    say(stdout, *code);
    say(stderr,
        QStringLiteral("an invitation for %1 account(s), valid %2 day(s); it is shown only now").arg(uses).arg(days));
    return 0;
}

} // namespace presently
