// SignInThrottle on its own (times given, no clock): free failures, doubling waits up to the
// cap, per account and per address (IPv6 by /64), a success clearing only the account, counts
// forgotten after a quiet hour, and memory bounded under a spray of user names.
#include "session/SignInThrottle.h"

#include <QTest>

using namespace presently;

namespace {
const QHostAddress kHome(QStringLiteral("192.0.2.10"));
const QHostAddress kOther(QStringLiteral("198.51.100.7"));

SignInThrottle::Policy policy()
{
    SignInThrottle::Policy p;
    p.freeFailuresPerAccount = 3;
    p.freeFailuresPerAddress = 6;
    p.firstWaitMs = 1000;
    p.maxWaitMs = 8000;
    p.forgetAfterMs = 60 * 60 * 1000;
    return p;
}
} // namespace

class TestSignInThrottle : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void accountWaitsDoubleAfterFreeFailures();
    void successClearsTheAccountOnly();
    void addressIsCountedAcrossAccounts();
    void ipv6IsCountedPerSlash64();
    void quietHourForgets();
    void sprayOfNamesStaysBounded();
};

void TestSignInThrottle::accountWaitsDoubleAfterFreeFailures()
{
    SignInThrottle throttle(policy());
    qint64 now = 1000000;
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(throttle.waitMs(QStringLiteral("bob"), kHome, now), 0);
        throttle.failed(QStringLiteral("bob"), kHome, now);
    }
    QCOMPARE(throttle.waitMs(QStringLiteral("bob"), kHome, now), 0); // three were free
    throttle.failed(QStringLiteral("bob"), kHome, now);
    QCOMPARE(throttle.waitMs(QStringLiteral("bob"), kHome, now), 1000);
    QCOMPARE(throttle.waitMs(QStringLiteral("bob"), kOther, now), 1000); // the account, from anywhere
    QCOMPARE(throttle.waitMs(QStringLiteral("alice"), kOther, now), 0);
    const qint64 expected[] = {2000, 4000, 8000, 8000}; // doubling, then the cap
    for (const qint64 wait : expected) {
        now += throttle.waitMs(QStringLiteral("bob"), kHome, now);
        QCOMPARE(throttle.waitMs(QStringLiteral("bob"), kHome, now), 0);
        throttle.failed(QStringLiteral("bob"), kHome, now);
        QCOMPARE(throttle.waitMs(QStringLiteral("bob"), kHome, now), wait);
    }
    QCOMPARE(throttle.waitMs(QStringLiteral("bob"), kHome, now + 7999), 1);
}

void TestSignInThrottle::successClearsTheAccountOnly()
{
    SignInThrottle throttle(policy());
    const qint64 now = 5000;
    for (int i = 0; i < 6; ++i) // also the address's free failures, used up
        throttle.failed(QStringLiteral("bob"), kHome, now);
    QVERIFY(throttle.waitMs(QStringLiteral("bob"), kOther, now) > 0);
    throttle.succeeded(QStringLiteral("bob"));
    QCOMPARE(throttle.waitMs(QStringLiteral("bob"), kOther, now), 0);
    // One right password does not reset guessing from that address.
    throttle.failed(QStringLiteral("carol"), kHome, now);
    QVERIFY(throttle.waitMs(QStringLiteral("dave"), kHome, now) > 0);
}

void TestSignInThrottle::addressIsCountedAcrossAccounts()
{
    SignInThrottle throttle(policy());
    const qint64 now = 5000;
    // One guess each at many accounts: no account is throttled, the address is.
    for (int i = 0; i < 6; ++i) {
        QCOMPARE(throttle.waitMs(QStringLiteral("user%1").arg(i), kHome, now), 0);
        throttle.failed(QStringLiteral("user%1").arg(i), kHome, now);
    }
    QCOMPARE(throttle.waitMs(QStringLiteral("user99"), kHome, now), 0);
    throttle.failed(QStringLiteral("user6"), kHome, now);
    QCOMPARE(throttle.waitMs(QStringLiteral("user99"), kHome, now), 1000);
    QCOMPARE(throttle.waitMs(QStringLiteral("user99"), kOther, now), 0);
    // IPv4 arriving as IPv4-mapped IPv6 is the same address.
    QCOMPARE(throttle.waitMs(QStringLiteral("user99"), QHostAddress(QStringLiteral("::ffff:192.0.2.10")), now), 1000);
}

void TestSignInThrottle::ipv6IsCountedPerSlash64()
{
    SignInThrottle throttle(policy());
    const qint64 now = 5000;
    for (int i = 0; i < 7; ++i) // a host hopping addresses inside its /64
        throttle.failed(QStringLiteral("user%1").arg(i),
                        QHostAddress(QStringLiteral("2001:db8:1:2::%1").arg(i + 1, 0, 16)), now);
    QVERIFY(throttle.waitMs(QStringLiteral("x"), QHostAddress(QStringLiteral("2001:db8:1:2:ffff::9")), now) > 0);
    QCOMPARE(throttle.waitMs(QStringLiteral("x"), QHostAddress(QStringLiteral("2001:db8:1:3::1")), now), 0);
}

void TestSignInThrottle::quietHourForgets()
{
    SignInThrottle throttle(policy());
    qint64 now = 5000;
    for (int i = 0; i < 4; ++i)
        throttle.failed(QStringLiteral("bob"), kHome, now);
    QCOMPARE(throttle.waitMs(QStringLiteral("bob"), kHome, now), 1000);
    now += 60 * 60 * 1000;
    throttle.failed(QStringLiteral("bob"), kHome, now); // counted as the first again
    QCOMPARE(throttle.waitMs(QStringLiteral("bob"), kHome, now), 0);
}

void TestSignInThrottle::sprayOfNamesStaysBounded()
{
    SignInThrottle::Policy p = policy();
    p.freeFailuresPerAddress = 1 << 30; // only the accounts' table is looked at here
    SignInThrottle throttle(p);
    qint64 now = 0;
    for (int i = 0; i < SignInThrottle::kMaxEntries * 3; ++i)
        throttle.failed(QStringLiteral("u%1").arg(i), kHome, ++now);
    QVERIFY(throttle.trackedAccounts() <= SignInThrottle::kMaxEntries);
    QVERIFY(throttle.trackedAddresses() == 1);
    // The newest are kept: a name still being guessed stays counted.
    for (int i = 0; i < 4; ++i)
        throttle.failed(QStringLiteral("target"), kHome, ++now);
    QVERIFY(throttle.waitMs(QStringLiteral("target"), kHome, now) > 0);
}

QTEST_GUILESS_MAIN(TestSignInThrottle)
#include "TestSignInThrottle.moc"
