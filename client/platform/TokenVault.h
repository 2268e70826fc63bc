#pragma once

#include <QObject>
#include <functional>

namespace presently {

// The session token in the system keychain (QtKeychain), never the password and never in a
// plain file: with no keychain the user signs in each time.
class TokenVault : public QObject {
    Q_OBJECT
public:
    explicit TokenVault(const QString &profile, QObject *parent = nullptr);

    static bool isAvailable();
    void load(const QString &account, std::function<void(const QString &token)> done);
    void store(const QString &account, const QString &token);
    void forget(const QString &account);

private:
    QString m_service;
};

} // namespace presently
