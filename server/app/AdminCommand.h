#pragma once

#include <QStringList>
#include <optional>

namespace presently {

// An operator's commands against the gateway's database (the one --db, the config file or the
// environment name), run instead of serving:
//   presently-server user add NAME       a new account; the password is read from standard input
//   presently-server user passwd NAME    a new password; every token of the user is revoked
//   presently-server user remove NAME    the account, its tokens, contacts and requests
//   presently-server invite create [--uses N] [--days D]   prints an invitation code
// Empty when `arguments` name no command (the gateway then serves); otherwise the exit status.
class AdminCommand {
public:
    static std::optional<int> run(const QStringList &arguments);
};

} // namespace presently
