#pragma once

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QString>

namespace presently {

// Password guessing, slowed down: failed password sign-ins are counted per account and per
// client address (ClientAddress::key: an IPv6 address by its /64). After a few
// free failures each further one doubles the wait before that account, or that address, may try
// again, up to a cap; until then a password `hello` is answered `rate_limited` with the wait,
// without hashing anything. A success clears the account's count (not the address's: one known
// password must not reset the guessing at others). Counts are forgotten a while after the last
// failure. Memory is bounded: at most kMaxEntries of each, the stalest given up first.
class SignInThrottle {
public:
    struct Policy {
        int freeFailuresPerAccount = 5;
        int freeFailuresPerAddress = 20; // addresses are shared (NAT, offices)
        qint64 firstWaitMs = 1000;
        qint64 maxWaitMs = 15 * 60 * 1000;
        qint64 forgetAfterMs = 60 * 60 * 1000; // after the last failure, once no wait is left
        // Password checks (Argon2id, ~85 ms of CPU each) running or queued at once per address;
        // 0: no limit.
        int checksInFlightPerAddress = 2;
        // New accounts per address per hour; 0: no limit.
        int registrationsPerAddressPerHour = 20;
    };
    static constexpr int kMaxEntries = 100000;

    explicit SignInThrottle(const Policy &policy);

    // How long `user` from `address` must wait before a password may be checked; 0: now.
    qint64 waitMs(const QString &user, const QHostAddress &address, qint64 nowMs) const;
    void failed(const QString &user, const QHostAddress &address, qint64 nowMs);
    void succeeded(const QString &user);
    // A password check from `address` may start: the key to end it with (checkEnded), or empty
    // when as many as allowed are in flight from there.
    QByteArray checkStarted(const QHostAddress &address);
    void checkEnded(const QByteArray &key);
    // Whether `address` may make another account this hour; registered() counts one made.
    bool mayRegister(const QHostAddress &address, qint64 nowMs) const;
    void registered(const QHostAddress &address, qint64 nowMs);
    int trackedAccounts() const { return int(m_accounts.size()); }
    int trackedAddresses() const { return int(m_addresses.size()); }

private:
    struct Record {
        int failures = 0;
        qint64 lastFailureMs = 0;
        qint64 blockedUntilMs = 0;
    };
    template <typename Key> void count(QHash<Key, Record> &records, const Key &key, int freeFailures, qint64 nowMs);
    template <typename Key> static qint64 remaining(const QHash<Key, Record> &records, const Key &key, qint64 nowMs);
    template <typename Key> void makeRoom(QHash<Key, Record> &records, qint64 nowMs);

    Policy m_policy;
    QHash<QString, Record> m_accounts;
    QHash<QByteArray, Record> m_addresses;
    QHash<QByteArray, int> m_checksInFlight;               // only addresses with checks running
    QHash<QByteArray, QPair<qint64, int>> m_registrations; // address -> (hour it counts from, count)
};

} // namespace presently
