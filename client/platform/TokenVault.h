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

    // Whether a keychain answers here (built with QtKeychain, and a backend such as the Secret
    // Service, KWallet, the Windows credential store or the macOS keychain runs); if not, why.
    void probe(std::function<void(bool available, const QString &why)> done);
    void load(const QString &account, std::function<void(const QString &token)> done);
    // `done` gets an empty string, or why the token could not be kept.
    void store(const QString &account, const QString &token, std::function<void(const QString &error)> done = {});
    void forget(const QString &account);

private:
    QString m_service;
};

} // namespace presently
