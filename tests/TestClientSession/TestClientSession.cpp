// Two real client sessions (the library the windows use) against a real presently-server:
// sign-in, contacts, idle from a faked idle source, messages both ways, and a server killed and
// restarted under them: they reconnect, sync and resend their outbox; nothing lost or doubled.
#include "ServerProcess.h"
#include "core/ClientSession.h"
#include "core/IdleMonitor.h"

#include <QFileInfo>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace presently;

namespace {
const QString kPassword = QStringLiteral("correct horse");

class FakeIdleSource : public IdleSource {
public:
    std::optional<qint64> idleMs() override { return *idle; }
    const char *name() const override { return "fake"; }
    std::shared_ptr<qint64> idle = std::make_shared<qint64>(0);
};

QStringList bodies(ConversationModel *model)
{
    QStringList out;
    for (int i = 0; i < model->rowCount(); ++i)
        out.append(model->index(i).data(ConversationModel::BodyRole).toString());
    return out;
}
} // namespace

class TestClientSession : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void signsInAndBefriends();
    void showsIdleFromTheIdleSource();
    void messagesBothWays();
    void ownStatusIsWhatContactsSee();
    void invisibleSendsNoTypingNorReadMarks();
    void survivesServerRestartWithNothingLost();
    void wrongPasswordStopsRetrying();
    void backsOffWhileTheServerIsDown();
    void signingOutClearsTheAccount();
    void eachServerKeepsItsOwnFilesPrivately();
    void refusedMessageFailsAndIsNotResent();
    void burstIsPacedNotRefused();

private:
    bool startServer(quint16 port = 0);

    QTemporaryDir m_dir;
    ServerProcess m_server;
    std::unique_ptr<ClientSession> m_alice;
    std::unique_ptr<ClientSession> m_bob;
};

bool TestClientSession::startServer(quint16 port)
{
    QString error;
    const bool ok =
        m_server.start({QStringLiteral("--db"), QStringLiteral("sqlite:") + m_dir.filePath(QStringLiteral("db.sqlite")),
                        QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port),
                        QStringLiteral("--heartbeat-interval-ms"), QStringLiteral("300"),
                        QStringLiteral("--presence-ttl-ms"), QStringLiteral("1500")},
                       &error);
    if (!ok)
        qWarning("%s", qPrintable(error));
    return ok;
}

void TestClientSession::initTestCase()
{
    QVERIFY(startServer());
    m_alice = std::make_unique<ClientSession>(m_dir.filePath(QStringLiteral("alice-profile")));
    m_bob = std::make_unique<ClientSession>(m_dir.filePath(QStringLiteral("bob-profile")));
}

void TestClientSession::cleanupTestCase()
{
    m_alice.reset();
    m_bob.reset();
    m_server.kill();
}

void TestClientSession::signsInAndBefriends()
{
    QSignalSpy aliceIn(m_alice.get(), &ClientSession::signedIn);
    QSignalSpy bobIn(m_bob.get(), &ClientSession::signedIn);
    m_alice->signIn(m_server.url(), QStringLiteral("Alice"), kPassword, true);
    m_bob->signIn(m_server.url(), QStringLiteral("bob"), kPassword, true);
    QVERIFY(aliceIn.wait(20000) || aliceIn.count() == 1);
    QVERIFY(bobIn.count() == 1 || bobIn.wait(20000));
    QCOMPARE(m_alice->user(), QStringLiteral("alice"));
    QCOMPARE(m_alice->state(), ClientSession::State::Connected);
    QVERIFY(!m_alice->token().isEmpty());

    QSignalSpy request(m_bob.get(), &ClientSession::contactRequestReceived);
    m_alice->addContact(QStringLiteral("bob"));
    QVERIFY(request.wait(5000));
    QCOMPARE(request.first().first().toString(), QStringLiteral("alice"));
    QVERIFY(QTest::qWaitFor([&] { return m_bob->requests() == QStringList{QStringLiteral("alice")}; }, 5000));
    QVERIFY(QTest::qWaitFor([&] { return m_alice->pending() == QStringList{QStringLiteral("bob")}; }, 5000));
    m_bob->acceptContact(QStringLiteral("alice"));
    QVERIFY(QTest::qWaitFor([&] { return m_bob->contacts()->contains(QStringLiteral("alice")); }, 5000));
    QVERIFY(QTest::qWaitFor([&] { return m_alice->contacts()->contains(QStringLiteral("bob")); }, 5000));
    QCOMPARE(m_bob->contacts()->presence(QStringLiteral("alice")).status, Status::Online);
}

void TestClientSession::showsIdleFromTheIdleSource()
{
    auto source = std::make_unique<FakeIdleSource>();
    std::shared_ptr<qint64> idle = source->idle;
    IdleMonitor monitor(std::move(source));
    monitor.setThresholdMs(5 * 60 * 1000);
    connect(&monitor, &IdleMonitor::activityChanged, m_alice.get(), &ClientSession::setActivity);

    *idle = 6 * 60 * 1000; // six minutes without input anywhere
    monitor.check();
    QVERIFY(QTest::qWaitFor([&] { return m_bob->contacts()->presence(QStringLiteral("alice")).status == Status::Idle; },
                            5000));
    *idle = 0;
    monitor.check();
    QVERIFY(QTest::qWaitFor(
        [&] { return m_bob->contacts()->presence(QStringLiteral("alice")).status == Status::Online; }, 5000));
}

void TestClientSession::messagesBothWays()
{
    QSignalSpy atBob(m_bob.get(), &ClientSession::messageReceived);
    m_alice->sendMessage(QStringLiteral("bob"), QStringLiteral("hello bob"));
    QVERIFY(atBob.wait(5000));
    QCOMPARE(bodies(m_bob->conversation(QStringLiteral("alice"))), QStringList{QStringLiteral("hello bob")});
    QCOMPARE(m_bob->contacts()->unread(QStringLiteral("alice")), 1);
    ConversationModel *sent = m_alice->conversation(QStringLiteral("bob"));
    QVERIFY(QTest::qWaitFor(
        [&] {
            return sent->index(0).data(ConversationModel::DeliveryRole).toInt() ==
                   static_cast<int>(ConversationModel::Delivery::Sent);
        },
        5000));

    m_bob->setVisibleConversation(QStringLiteral("alice"));
    m_bob->markRead(QStringLiteral("alice"));
    QCOMPARE(m_bob->contacts()->unread(QStringLiteral("alice")), 0);
    QVERIFY(QTest::qWaitFor(
        [&] {
            return sent->index(0).data(ConversationModel::DeliveryRole).toInt() ==
                   static_cast<int>(ConversationModel::Delivery::Read);
        },
        5000));

    QSignalSpy typing(m_alice.get(), &ClientSession::typingChanged);
    m_bob->setTyping(QStringLiteral("alice"), true);
    QVERIFY(typing.wait(5000));
    QCOMPARE(typing.first().at(1).toBool(), true);

    QSignalSpy atAlice(m_alice.get(), &ClientSession::messageReceived);
    m_bob->sendMessage(QStringLiteral("alice"), QStringLiteral("hi alice"));
    QVERIFY(atAlice.wait(5000));
    QCOMPARE(bodies(m_alice->conversation(QStringLiteral("bob"))),
             (QStringList{QStringLiteral("hello bob"), QStringLiteral("hi alice")}));
}

void TestClientSession::ownStatusIsWhatContactsSee()
{
    // alice on a second device, active: her desktop idling leaves her online for bob, and her
    // own header must say what bob sees, not what this device's idle time makes of her.
    ClientSession laptop(m_dir.filePath(QStringLiteral("alice-laptop")));
    laptop.setDevice(QStringLiteral("laptop"));
    laptop.signIn(m_server.url(), QStringLiteral("alice"), kPassword, false);
    QVERIFY(QTest::qWaitFor([&] { return laptop.state() == ClientSession::State::Connected; }, 20000));
    const auto bobSeesAlice = [&] { return m_bob->contacts()->presence(QStringLiteral("alice")); };
    QVERIFY(QTest::qWaitFor([&] { return bobSeesAlice().devices.size() == 2; }, 5000));

    m_alice->setActivity(Activity::Idle);
    QVERIFY(QTest::qWaitFor([&] { return m_alice->ownStatus() == Status::Online; }, 5000));
    QCOMPARE(bobSeesAlice().status, Status::Online);
    QCOMPARE(m_alice->displayedOwnStatus(), Status::Online);

    // Both idle: idle for bob, and pushed to both of her devices.
    laptop.setActivity(Activity::Idle);
    QVERIFY(QTest::qWaitFor([&] { return bobSeesAlice().status == Status::Idle; }, 5000));
    QVERIFY(QTest::qWaitFor([&] { return m_alice->displayedOwnStatus() == Status::Idle; }, 5000));
    QVERIFY(QTest::qWaitFor([&] { return laptop.displayedOwnStatus() == Status::Idle; }, 5000));

    // Signed out: off, whatever the server said last.
    laptop.signOut();
    QCOMPARE(laptop.displayedOwnStatus(), Status::Offline);
    m_alice->setActivity(Activity::Active);
    QVERIFY(QTest::qWaitFor([&] { return m_alice->displayedOwnStatus() == Status::Online; }, 5000));
}

void TestClientSession::invisibleSendsNoTypingNorReadMarks()
{
    ConversationModel *bobsChat = m_bob->conversation(QStringLiteral("alice"));
    m_alice->setStatus(Mode::Invisible, std::nullopt);
    QCOMPARE(m_alice->ownMode(), Mode::Invisible); // at once, before the server's echo
    QVERIFY(QTest::qWaitFor(
        [&] { return m_bob->contacts()->presence(QStringLiteral("alice")).status == Status::Offline; }, 5000));

    // bob writes; alice reads it and types while invisible. Her frames are handled in order, so
    // her next message reaches bob after any typing or read mark she would have leaked.
    QSignalSpy atAlice(m_alice.get(), &ClientSession::messageReceived);
    m_bob->sendMessage(QStringLiteral("alice"), QStringLiteral("are you there?"));
    QVERIFY(atAlice.wait(5000));
    const qint64 question = atAlice.first().first().value<ChatMessage>().mid;
    QSignalSpy bobSeesTyping(m_bob.get(), &ClientSession::typingChanged);
    m_alice->setVisibleConversation(QStringLiteral("bob"));
    m_alice->markRead(QStringLiteral("bob"));
    m_alice->setTyping(QStringLiteral("bob"), true);
    QCOMPARE(m_alice->contacts()->unread(QStringLiteral("bob")), 0); // read for her, all the same
    QSignalSpy atBob(m_bob.get(), &ClientSession::messageReceived);
    m_alice->sendMessage(QStringLiteral("bob"), QStringLiteral("sent while invisible"));
    QVERIFY(atBob.wait(5000));
    QCOMPARE(bobSeesTyping.count(), 0);
    QVERIFY(bobsChat->peerReadMid() < question);

    // Visible again: the held read mark goes out.
    m_alice->setStatus(Mode::Auto, std::nullopt);
    QVERIFY(QTest::qWaitFor([&] { return bobsChat->peerReadMid() >= question; }, 5000));
    QVERIFY(QTest::qWaitFor(
        [&] { return m_bob->contacts()->presence(QStringLiteral("alice")).status == Status::Online; }, 5000));
    m_alice->setVisibleConversation({});
}

void TestClientSession::survivesServerRestartWithNothingLost()
{
    const quint16 port = m_server.port();
    m_server.kill(); // SIGKILL: no goodbye
    QVERIFY(QTest::qWaitFor(
        [&] {
            return m_alice->state() == ClientSession::State::WaitingToReconnect ||
                   m_alice->state() == ClientSession::State::Connecting;
        },
        5000));
    // Typed while the server is down: kept in the outbox, shown as pending.
    for (int i = 0; i < 5; ++i)
        m_alice->sendMessage(QStringLiteral("bob"), QStringLiteral("offline %1").arg(i));
    ConversationModel *aliceView = m_alice->conversation(QStringLiteral("bob"));
    QCOMPARE(aliceView->index(aliceView->rowCount() - 1).data(ConversationModel::DeliveryRole).toInt(),
             static_cast<int>(ConversationModel::Delivery::Pending));

    QVERIFY(startServer(port));
    QVERIFY(QTest::qWaitFor(
        [&] {
            return m_alice->state() == ClientSession::State::Connected &&
                   m_bob->state() == ClientSession::State::Connected;
        },
        40000));
    ConversationModel *bobView = m_bob->conversation(QStringLiteral("alice"));
    QVERIFY(QTest::qWaitFor([&] { return bobView->rowCount() == 9; }, 10000));
    QStringList expected{QStringLiteral("hello bob"), QStringLiteral("hi alice"), QStringLiteral("are you there?"),
                         QStringLiteral("sent while invisible")};
    for (int i = 0; i < 5; ++i)
        expected.append(QStringLiteral("offline %1").arg(i));
    QCOMPARE(bodies(bobView), expected);
    QVERIFY(QTest::qWaitFor(
        [&] {
            return aliceView->index(aliceView->rowCount() - 1).data(ConversationModel::DeliveryRole).toInt() !=
                   static_cast<int>(ConversationModel::Delivery::Pending);
        },
        5000));
    QCOMPARE(bodies(aliceView), expected);
    // Nothing doubled even after a second reconnect that resends and re-syncs.
    m_bob->dropConnection();
    QVERIFY(QTest::qWaitFor([&] { return m_bob->state() == ClientSession::State::Connected; }, 40000));
    m_alice->sendMessage(QStringLiteral("bob"), QStringLiteral("after"));
    QVERIFY(QTest::qWaitFor([&] { return bobView->rowCount() == 10; }, 10000));
    QCOMPARE(bodies(bobView).count(QStringLiteral("offline 0")), 1);
}

void TestClientSession::wrongPasswordStopsRetrying()
{
    ClientSession eve(m_dir.filePath(QStringLiteral("eve-profile")));
    QSignalSpy failed(&eve, &ClientSession::signInFailed);
    eve.signIn(m_server.url(), QStringLiteral("alice"), QStringLiteral("not her password"), false);
    QVERIFY(failed.wait(20000));
    QCOMPARE(failed.first().first().value<ErrorCode>(), ErrorCode::AuthFailed);
    QVERIFY(QTest::qWaitFor([&] { return eve.state() == ClientSession::State::SignedOut; }, 5000));
}

void TestClientSession::backsOffWhileTheServerIsDown()
{
    // Each way the server can go: a graceful restart (1001), a crash (1006). While it stays down
    // every failed attempt (refused: nobody listens) backs off (full jitter from 500 ms, doubling,
    // capped at 30 s), whatever closed the last connection: over 10 s that is a handful of
    // attempts (the mean waits are 0.25, 0.5, 1, 2, 4, 8 s), never a tight loop.
    constexpr int kDownMs = 10000;
    constexpr int kMostAttempts = 12;
    for (const bool graceful : {true, false}) {
        QVERIFY(QTest::qWaitFor([&] { return m_alice->state() == ClientSession::State::Connected; }, 40000));
        const quint16 port = m_server.port();
        int attempts = 0;
        const QMetaObject::Connection counting =
            connect(m_alice.get(), &ClientSession::stateChanged, this,
                    [&](Connection::State state) { attempts += state == Connection::State::Connecting ? 1 : 0; });
        if (graceful)
            m_server.terminate(); // SIGTERM: every client is closed with 1001
        else
            m_server.kill();
        QVERIFY(m_server.waitForExit(10000));
        // Not connected: nothing shown as live.
        QVERIFY(QTest::qWaitFor([&] { return m_alice->state() != ClientSession::State::Connected; }, 5000));
        QVERIFY(m_alice->contacts()->isStale());
        QCOMPARE(m_alice->displayedOwnStatus(), Status::Offline);
        QTest::qWait(kDownMs);
        disconnect(counting);
        qInfo("%d attempts in %d ms after %s", attempts, kDownMs, graceful ? "1001" : "1006");
        QVERIFY2(attempts >= 1 && attempts <= kMostAttempts,
                 qPrintable(QStringLiteral("%1 attempts in %2 ms after %3")
                                .arg(attempts)
                                .arg(kDownMs)
                                .arg(graceful ? QStringLiteral("1001") : QStringLiteral("1006"))));
        QVERIFY(startServer(port));
        // "Retry now" in the status bar: the waiting attempt starts at once.
        if (m_alice->state() == ClientSession::State::WaitingToReconnect) {
            QVERIFY(!m_alice->lastError().isEmpty());
            m_alice->retryNow();
            QCOMPARE(m_alice->state(), ClientSession::State::Connecting);
        }
    }
    m_bob->retryNow();
    QVERIFY(QTest::qWaitFor([&] { return m_alice->state() == ClientSession::State::Connected; }, 40000));
    QVERIFY(QTest::qWaitFor([&] { return m_bob->state() == ClientSession::State::Connected; }, 40000));
    QVERIFY(m_alice->lastError().isEmpty());
    QVERIFY(!m_alice->contacts()->isStale());
}

void TestClientSession::signingOutClearsTheAccount()
{
    // One window, two accounts in turn: nothing of alice's shows under dave.
    ClientSession shared(m_dir.filePath(QStringLiteral("shared-profile")));
    int cleared = 0;
    connect(&shared, &ClientSession::accountCleared, this, [&] { ++cleared; });
    shared.signIn(m_server.url(), QStringLiteral("alice"), kPassword, false);
    QVERIFY(QTest::qWaitFor([&] { return shared.state() == ClientSession::State::Connected; }, 20000));
    ConversationModel *alicesChat = shared.conversation(QStringLiteral("bob"));
    QVERIFY(QTest::qWaitFor([&] { return alicesChat->rowCount() > 0 && shared.contacts()->rowCount() > 0; }, 10000));

    shared.signOut();
    QCOMPARE(cleared, 1);
    QCOMPARE(shared.contacts()->rowCount(), 0);
    QCOMPARE(shared.displayedOwnStatus(), Status::Offline);
    shared.signIn(m_server.url(), QStringLiteral("dave"), kPassword, true);
    QVERIFY(QTest::qWaitFor([&] { return shared.state() == ClientSession::State::Connected; }, 20000));
    QTest::qWait(500); // anything still to come for dave (his roster, a sync) has come
    QCOMPARE(shared.user(), QStringLiteral("dave"));
    QCOMPARE(shared.conversation(QStringLiteral("bob"))->rowCount(), 0);
    QCOMPARE(shared.contacts()->rowCount(), 0);
    QVERIFY(shared.requests().isEmpty() && shared.pending().isEmpty());
    // Signing in as another user without signing out clears too.
    shared.signIn(m_server.url(), QStringLiteral("alice"), kPassword, false);
    QCOMPARE(cleared, 2);
    QVERIFY(QTest::qWaitFor([&] { return shared.state() == ClientSession::State::Connected; }, 20000));
    shared.loadOlder(QStringLiteral("bob")); // as the chat view does when it opens the conversation
    QVERIFY(QTest::qWaitFor([&] { return shared.conversation(QStringLiteral("bob"))->rowCount() > 0; }, 10000));
    shared.signOut();
}

void TestClientSession::eachServerKeepsItsOwnFilesPrivately()
{
    // The same user name on two servers is two accounts: what was typed for one (drafts, and the
    // outbox beside them) never shows on the other. The files are this user's only.
    ServerProcess other;
    QString error;
    QVERIFY2(
        other.start({QStringLiteral("--db"), QStringLiteral("sqlite:") + m_dir.filePath(QStringLiteral("other.db"))},
                    &error),
        qPrintable(error));
    const QString profile = m_dir.filePath(QStringLiteral("two-servers"));
    ClientSession session(profile);
    const auto signInTo = [&](const QUrl &server, bool create) {
        session.signIn(server, QStringLiteral("kate"), kPassword, create);
        return QTest::qWaitFor([&] { return session.state() == ClientSession::State::Connected; }, 20000);
    };
    QVERIFY(signInTo(m_server.url(), true));
    session.setDraft(QStringLiteral("liam"), QStringLiteral("for the first server"));
    session.signOut();
    QVERIFY(signInTo(other.url(), true));
    QCOMPARE(session.draft(QStringLiteral("liam")), QString());
    session.signOut();
    QVERIFY(signInTo(m_server.url(), false));
    QCOMPARE(session.draft(QStringLiteral("liam")), QStringLiteral("for the first server"));
    session.signOut();

    const QString first = QStringLiteral("%1/127.0.0.1_%2/kate").arg(profile).arg(m_server.port());
    const QString second = QStringLiteral("%1/127.0.0.1_%2/kate").arg(profile).arg(other.port());
    QVERIFY(QFileInfo::exists(first + QStringLiteral("/state.json")));
    QVERIFY(QFileInfo::exists(second));
    const QFile::Permissions group = QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup;
    const QFile::Permissions others = QFile::ReadOther | QFile::WriteOther | QFile::ExeOther;
    for (const QString &path : {profile, QFileInfo(first).absolutePath(), first, first + QStringLiteral("/state.json")})
        QVERIFY2((QFile::permissions(path) & (group | others)) == 0, qPrintable(path));
    other.kill();
}

void TestClientSession::refusedMessageFailsAndIsNotResent()
{
    // A body over the limit (the composer stops it; here it comes from an older outbox, or a
    // server that lowered its limit): failed, with the reason, out of the outbox, never resent.
    QVERIFY(QTest::qWaitFor([&] { return m_alice->state() == ClientSession::State::Connected; }, 40000));
    ConversationModel *chat = m_alice->conversation(QStringLiteral("bob"));
    const int limit = m_alice->limits().maxBodyChars;
    const QString cid = m_alice->sendMessage(QStringLiteral("bob"), QString(limit + 1, QLatin1Char('x')));
    const auto deliveryOfLast = [chat] {
        return chat->index(chat->rowCount() - 1).data(ConversationModel::DeliveryRole).toInt();
    };
    const int failed = static_cast<int>(ConversationModel::Delivery::Failed);
    QVERIFY(QTest::qWaitFor([&] { return deliveryOfLast() == failed; }, 5000));
    QVERIFY(chat->index(chat->rowCount() - 1)
                .data(ConversationModel::FailureRole)
                .toString()
                .contains(QStringLiteral("too long")));
    // A message sent after it goes through; a reconnect does not send the failed one again.
    m_alice->sendMessage(QStringLiteral("bob"), QStringLiteral("short"));
    ConversationModel *bobsChat = m_bob->conversation(QStringLiteral("alice"));
    QVERIFY(QTest::qWaitFor([&] { return bodies(bobsChat).contains(QStringLiteral("short")); }, 10000));
    m_alice->dropConnection();
    QVERIFY(QTest::qWaitFor([&] { return m_alice->state() == ClientSession::State::Connected; }, 40000));
    QTest::qWait(500);
    QCOMPARE(chat->index(chat->rowCount() - 1).data(ConversationModel::CidRole).toString(), cid);
    QCOMPARE(deliveryOfLast(), failed);
    // To someone who is not a contact: failed too, in words.
    m_alice->sendMessage(QStringLiteral("dave"), QStringLiteral("hello stranger"));
    ConversationModel *daveChat = m_alice->conversation(QStringLiteral("dave"));
    QVERIFY(QTest::qWaitFor(
        [&] {
            return daveChat->rowCount() == 1 &&
                   daveChat->index(0).data(ConversationModel::DeliveryRole).toInt() == failed;
        },
        5000));
    QVERIFY(daveChat->index(0)
                .data(ConversationModel::FailureRole)
                .toString()
                .contains(QStringLiteral("not your contact")));
    // Deleted by the user: gone.
    m_alice->discardMessage(QStringLiteral("bob"), cid);
    QVERIFY(!bodies(chat).contains(QString(limit + 1, QLatin1Char('x'))));
}

void TestClientSession::burstIsPacedNotRefused()
{
    // 60 messages and 60 typing frames at once, three times the server's burst of 40: the
    // client paces them within the announced 20/s, so none is refused as rate_limited.
    QVERIFY(QTest::qWaitFor([&] { return m_alice->state() == ClientSession::State::Connected; }, 40000));
    QVERIFY(QTest::qWaitFor([&] { return m_bob->state() == ClientSession::State::Connected; }, 40000));
    QCOMPARE(m_alice->limits().rateBurst, 40);
    QSignalSpy errors(m_alice.get(), &ClientSession::errorReceived);
    QTest::failOnWarning(QRegularExpression(QStringLiteral("rate_limited")));
    ConversationModel *atBob = m_bob->conversation(QStringLiteral("alice"));
    const int before = atBob->rowCount();
    constexpr int kBurst = 60;
    for (int i = 0; i < kBurst; ++i) {
        m_alice->setTyping(QStringLiteral("bob"), true);
        m_alice->sendMessage(QStringLiteral("bob"), QStringLiteral("burst %1").arg(i));
    }
    QVERIFY(QTest::qWaitFor([&] { return atBob->rowCount() == before + kBurst; }, 40000));
    for (int i = 0; i < kBurst; ++i)
        QCOMPARE(atBob->index(before + i).data(ConversationModel::BodyRole).toString(),
                 QStringLiteral("burst %1").arg(i));
    for (const QList<QVariant> &error : errors)
        QVERIFY2(error.first().value<ErrorCode>() != ErrorCode::RateLimited, qPrintable(error.at(1).toString()));
}

QTEST_GUILESS_MAIN(TestClientSession)
#include "TestClientSession.moc"
