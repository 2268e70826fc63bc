#pragma once

#include <QByteArray>
#include <QString>

namespace presently {

// Argon2id password hashes (libsodium, interactive limits) and session tokens.
// Everything here is thread-safe, so hashing can run off the event loop.
class PasswordHasher {
public:
    static bool initialize();

    // Empty on failure (out of memory).
    static QByteArray hash(const QString &password);
    static bool verify(const QByteArray &hash, const QString &password);
    // The hash was made with other (older, weaker) limits than hash() uses now: worth replacing
    // once the password is known again, at the next sign-in.
    static bool needsRehash(const QByteArray &hash);
    // Verifies against a fixed hash so an unknown user costs the same time as a wrong password.
    static void burnVerifyTime(const QString &password);

    // 256 random bits from the system CSPRNG, base64url.
    static QString newToken();
    // What is stored in place of a token: its BLAKE2b-256 digest, hex.
    static QString tokenDigest(const QString &token);
};

} // namespace presently
