// The client's models and helpers, without a server: contact list with presence, sort and
// filter, "last seen" texts, unread counts, a conversation's order and delivery states, the
// on-disk outbox, reconnect backoff, and idle detection through a fake source and the fallback.
#include "core/ContactListModel.h"
#include "core/ContactSortFilterModel.h"
#include "core/ConversationModel.h"
#include "core/DisplayText.h"
#include "core/IdleMonitor.h"
#include "core/LocalState.h"
#include "core/Outbox.h"
#include "core/ReconnectBackoff.h"
#include "platform/AppIdleSource.h"
#include "platform/Autostart.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace presently;

namespace {
UserPresence presence(const char *user, Status status, qint64 lastSeen = 0)
{
    UserPresence p;
    p.user = QString::fromLatin1(user);
    p.status = status;
    p.lastSeen = lastSeen;
    if (status != Status::Offline)
        p.devices = {QStringLiteral("desktop")};
    return p;
}

QStringList order(const QAbstractItemModel &model)
{
    QStringList users;
    for (int i = 0; i < model.rowCount(); ++i)
        users.append(model.index(i, 0).data(ContactListModel::UserRole).toString());
    return users;
}

class FakeIdleSource : public IdleSource {
public:
    std::optional<qint64> idleMs() override { return idle; }
    bool screenLocked() override { return locked; }
    const char *name() const override { return "fake"; }
    qint64 idle = 0;
    bool locked = false;
};
} // namespace

class TestClientModels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void contactsSortOnlineFirstAndFilter();
    void presencePushUpdatesRightRow();
    void otherPeoplesTextIsIsolated();
    void lastSeenTexts_data();
    void lastSeenTexts();
    void lastSeenShownForOfflineOnly();
    void unreadCounts();
    void conversationOrdersAndDedupes();
    void conversationDeliveryStates();
    void outboxSurvivesRestart();
    void backoffHasFullJitterAndCap();
    void idleMonitorFollowsSource();
    void appIdleFallbackCountsOwnInput();
    void localStateKeepsDraftsUnreadAndPreviews();
    void autostartEntryComesAndGoes();
};

void TestClientModels::contactsSortOnlineFirstAndFilter()
{
    ContactListModel model;
    model.setContacts({presence("zoe", Status::Online), presence("adam", Status::Offline),
                       presence("mia", Status::Idle), presence("bea", Status::Online), presence("dan", Status::Dnd)});
    ContactSortFilterModel sorted;
    sorted.setSourceModel(&model);
    QCOMPARE(order(sorted), (QStringList{QStringLiteral("bea"), QStringLiteral("zoe"), QStringLiteral("mia"),
                                         QStringLiteral("dan"), QStringLiteral("adam")}));
    sorted.setFilterFixedString(QStringLiteral("A"));
    QCOMPARE(order(sorted), (QStringList{QStringLiteral("bea"), QStringLiteral("mia"), QStringLiteral("dan"),
                                         QStringLiteral("adam")}));
}

void TestClientModels::presencePushUpdatesRightRow()
{
    ContactListModel model;
    model.setContacts({presence("alice", Status::Offline, 1), presence("bob", Status::Online)});
    ContactSortFilterModel sorted;
    sorted.setSourceModel(&model);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.applyPresence(presence("alice", Status::Idle));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.first().at(0).toModelIndex().row(), 0);
    QCOMPARE(model.presence(QStringLiteral("alice")).status, Status::Idle);
    QCOMPARE(model.presence(QStringLiteral("bob")).status, Status::Online);
    QCOMPARE(order(sorted), (QStringList{QStringLiteral("bob"), QStringLiteral("alice")}));
    model.applyPresence(presence("alice", Status::Online));
    QCOMPARE(order(sorted), (QStringList{QStringLiteral("alice"), QStringLiteral("bob")}));
    model.applyPresence(presence("stranger", Status::Online)); // not a contact: ignored
    QCOMPARE(model.rowCount(), 2);
}

void TestClientModels::otherPeoplesTextIsIsolated()
{
    // A status text with a right-to-left override: set among our words, it is isolated, so the
    // override ends with it and ", 2 unread" still reads as written.
    ContactListModel model;
    UserPresence bob = presence("bob", Status::Online);
    bob.text = QStringLiteral("\u202Eevil");
    model.setContacts({bob});
    const QString spoken = model.index(0).data(Qt::AccessibleTextRole).toString();
    QVERIFY2(spoken.contains(QStringLiteral("\u2068\u202Eevil\u2069")), qPrintable(spoken));
    QCOMPARE(DisplayText::isolated(QString()), QString());
    QCOMPARE(DisplayText::isolated(QStringLiteral("שלום")), QStringLiteral("\u2068שלום\u2069"));
}

void TestClientModels::lastSeenTexts_data()
{
    QTest::addColumn<qint64>("agoMs");
    QTest::addColumn<QString>("text");
    QTest::newRow("now") << qint64(20 * 1000) << QStringLiteral("last seen just now");
    QTest::newRow("minutes") << qint64(5 * 60 * 1000 + 10) << QStringLiteral("last seen 5 min ago");
    QTest::newRow("hours") << qint64(3 * 3600 * 1000 + 5) << QStringLiteral("last seen 3 h ago");
    QTest::newRow("days") << qint64(3 * 24 * 3600 * 1000LL) << QStringLiteral("last seen 3 days ago");
}

void TestClientModels::lastSeenTexts()
{
    QFETCH(qint64, agoMs);
    QFETCH(QString, text);
    const qint64 now = QDateTime(QDate(2026, 11, 22), QTime(15, 0)).toMSecsSinceEpoch();
    QCOMPARE(ContactListModel::lastSeenText(now - agoMs, now), text);
    QCOMPARE(ContactListModel::lastSeenText(0, now), QStringLiteral("offline"));
}

void TestClientModels::lastSeenShownForOfflineOnly()
{
    ContactListModel model;
    qint64 now = 1'000'000'000'000;
    model.setClock([&now] { return now; });
    model.setContacts({presence("alice", Status::Offline, now - 2 * 60 * 1000), presence("bob", Status::Online, now)});
    QCOMPARE(model.index(0).data(ContactListModel::LastSeenTextRole).toString(), QStringLiteral("last seen 2 min ago"));
    QCOMPARE(model.index(1).data(ContactListModel::LastSeenTextRole).toString(), QString());
    now += 10 * 60 * 1000; // time passes: the text follows
    QCOMPARE(model.index(0).data(ContactListModel::LastSeenTextRole).toString(),
             QStringLiteral("last seen 12 min ago"));
}

void TestClientModels::unreadCounts()
{
    ContactListModel model;
    model.setContacts({presence("alice", Status::Online), presence("bob", Status::Online)});
    QSignalSpy total(&model, &ContactListModel::unreadChanged);
    model.addUnread(QStringLiteral("alice"));
    model.addUnread(QStringLiteral("alice"));
    model.addUnread(QStringLiteral("bob"));
    QCOMPARE(model.index(0).data(ContactListModel::UnreadRole).toInt(), 2);
    QCOMPARE(model.totalUnread(), 3);
    QCOMPARE(total.last().first().toInt(), 3);
    model.setUnread(QStringLiteral("alice"), 0);
    QCOMPARE(model.totalUnread(), 1);
    // A new roster keeps the counts.
    model.setContacts({presence("bob", Status::Idle), presence("carol", Status::Online)});
    QCOMPARE(model.unread(QStringLiteral("bob")), 1);
    QCOMPARE(model.unread(QStringLiteral("carol")), 0);
}

void TestClientModels::conversationOrdersAndDedupes()
{
    ConversationModel model(QStringLiteral("me"), QStringLiteral("bob"));
    auto msg = [](qint64 mid, const char *from, const char *body) {
        ChatMessage m;
        m.mid = mid;
        m.cid = QStringLiteral("c%1").arg(mid);
        m.from = QString::fromLatin1(from);
        m.to = QLatin1String(from) == QLatin1String("me") ? QStringLiteral("bob") : QStringLiteral("me");
        m.body = QString::fromLatin1(body);
        m.ts = 1000 + mid;
        return m;
    };
    QVERIFY(model.addMessage(msg(10, "bob", "ten")));
    QVERIFY(model.addMessage(msg(30, "bob", "thirty")));
    model.addPending(QStringLiteral("p1"), QStringLiteral("pending"), 5000);
    QVERIFY(model.addMessage(msg(20, "me", "twenty")));  // older history arrives later
    QVERIFY(!model.addMessage(msg(20, "me", "twenty"))); // live and sync: shown once
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.index(0).data(ConversationModel::BodyRole).toString(), QStringLiteral("ten"));
    QCOMPARE(model.index(1).data(ConversationModel::BodyRole).toString(), QStringLiteral("twenty"));
    QCOMPARE(model.index(3).data(ConversationModel::BodyRole).toString(), QStringLiteral("pending"));
    QCOMPARE(model.oldestMid(), 10);
    QCOMPARE(model.newestMid(), 30);
    // Our pending message coming back by sync with its cid takes the pending row's place.
    ChatMessage back = msg(40, "me", "pending");
    back.cid = QStringLiteral("p1");
    QVERIFY(model.addMessage(back));
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.index(3).data(ConversationModel::MidRole).toLongLong(), 40);
    model.markSent(QStringLiteral("p1"), 40, 1040); // the late `sent` changes nothing
    QCOMPARE(model.rowCount(), 4);
}

void TestClientModels::conversationDeliveryStates()
{
    ConversationModel model(QStringLiteral("me"), QStringLiteral("bob"));
    model.addPending(QStringLiteral("a"), QStringLiteral("first"), 1);
    model.addPending(QStringLiteral("b"), QStringLiteral("second"), 2);
    auto delivery = [&](int row) {
        return static_cast<ConversationModel::Delivery>(model.index(row).data(ConversationModel::DeliveryRole).toInt());
    };
    QCOMPARE(delivery(0), ConversationModel::Delivery::Pending);
    model.markSent(QStringLiteral("a"), 7, 100);
    QCOMPARE(delivery(0), ConversationModel::Delivery::Sent);
    QCOMPARE(delivery(1), ConversationModel::Delivery::Pending);
    model.markSent(QStringLiteral("b"), 9, 101);
    model.setPeerReadMid(7);
    QCOMPARE(delivery(0), ConversationModel::Delivery::Read);
    QCOMPARE(delivery(1), ConversationModel::Delivery::Sent);
    model.setPeerReadMid(3); // marks never move back
    QCOMPARE(model.peerReadMid(), 7);
}

void TestClientModels::outboxSurvivesRestart()
{
    QTemporaryDir dir;
    {
        Outbox outbox(dir.path());
        outbox.add({QStringLiteral("c1"), QStringLiteral("bob"), QStringLiteral("one"), 1});
        outbox.add({QStringLiteral("c2"), QStringLiteral("bob"), QStringLiteral("two"), 2});
        outbox.add({QStringLiteral("c3"), QStringLiteral("carol"), QStringLiteral("three"), 3});
        QVERIFY(outbox.acknowledge(QStringLiteral("c2")));
        QVERIFY(!outbox.acknowledge(QStringLiteral("nope")));
        outbox.noteMid(42);
        outbox.flush();
    } // as if the app crashed here
    Outbox again(dir.path());
    QCOMPARE(again.pending().size(), 2);
    QCOMPARE(again.pending().at(0).cid, QStringLiteral("c1"));
    QCOMPARE(again.pending().at(1).body, QStringLiteral("three"));
    QCOMPARE(again.lastMid(), 42);
}

void TestClientModels::backoffHasFullJitterAndCap()
{
    ReconnectBackoff backoff(500, 30000);
    int maxSeen = 0;
    int minLate = INT_MAX;
    for (int i = 0; i < 200; ++i) {
        const int delay = backoff.nextDelayMs();
        QVERIFY(delay >= 0);
        QVERIFY(delay <= 30000);
        if (i == 0)
            QVERIFY(delay <= 500);
        if (i >= 10) {
            maxSeen = std::max(maxSeen, delay);
            minLate = std::min(minLate, delay);
        }
    }
    QVERIFY(maxSeen > 20000); // reaches near the cap
    QVERIFY(minLate < 10000); // but jitter spreads it over the whole range
    backoff.reset();
    QVERIFY(backoff.nextDelayMs() <= 500);
}

void TestClientModels::idleMonitorFollowsSource()
{
    auto owned = std::make_unique<FakeIdleSource>();
    FakeIdleSource *source = owned.get();
    IdleMonitor monitor(std::move(owned));
    monitor.setThresholdMs(5 * 60 * 1000);
    QSignalSpy changed(&monitor, &IdleMonitor::activityChanged);
    source->idle = 4 * 60 * 1000;
    monitor.check();
    QCOMPARE(changed.count(), 0);
    source->idle = 5 * 60 * 1000;
    monitor.check();
    QCOMPARE(changed.count(), 1);
    QCOMPARE(monitor.activity(), Activity::Idle);
    source->idle = 100;
    monitor.check();
    QCOMPARE(monitor.activity(), Activity::Active);
    source->locked = true; // a locked screen is idle at once
    monitor.check();
    QCOMPARE(monitor.activity(), Activity::Idle);
    QCOMPARE(changed.count(), 3);
}

void TestClientModels::appIdleFallbackCountsOwnInput()
{
    AppIdleSource source;
    QVERIFY(QTest::qWaitFor([&] { return source.idleMs().value_or(0) >= 50; }, 2000));
    QEvent press(QEvent::KeyPress);
    QCoreApplication::sendEvent(this, &press);
    QVERIFY(source.idleMs().value_or(1000) < 50);
    // The platform source (or this fallback) is always there.
    const std::unique_ptr<IdleSource> best = IdleSource::create();
    QVERIFY(best);
    QVERIFY(best->idleMs().has_value());
}

QTEST_GUILESS_MAIN(TestClientModels)
void TestClientModels::localStateKeepsDraftsUnreadAndPreviews()
{
    QTemporaryDir dir;
    {
        LocalState state(dir.path());
        state.setDraft(QStringLiteral("bob"), QStringLiteral("half a thought"));
        state.setDraft(QStringLiteral("carol"), QStringLiteral("gone"));
        state.setDraft(QStringLiteral("carol"), QString()); // sent: no draft left
        state.setUnread({{QStringLiteral("bob"), {3, 42}}, {QStringLiteral("dave"), {0, 7}}});
        state.setPreviews({{QStringLiteral("bob"), {QStringLiteral("You: hi"), 1000}}});
        state.flush();
    }
    LocalState again(dir.path());
    QCOMPARE(again.draft(QStringLiteral("bob")), QStringLiteral("half a thought"));
    QVERIFY(!again.drafts().contains(QStringLiteral("carol")));
    QCOMPARE(again.unread().size(), 1); // a zero count is not kept
    QCOMPARE(again.unread().value(QStringLiteral("bob")).count, 3);
    QCOMPARE(again.unread().value(QStringLiteral("bob")).newestMid, 42);
    QCOMPARE(again.previews().value(QStringLiteral("bob")).text, QStringLiteral("You: hi"));
}

void TestClientModels::autostartEntryComesAndGoes()
{
#if defined(Q_OS_LINUX)
    QTemporaryDir config;
    const QByteArray saved = qgetenv("XDG_CONFIG_HOME");
    qputenv("XDG_CONFIG_HOME", config.path().toLocal8Bit());
    Autostart autostart(QStringLiteral("work laptop"));
    QVERIFY(!autostart.isEnabled());
    QVERIFY(autostart.setEnabled(true, QStringLiteral("/opt/Presently/bin/presently")));
    QVERIFY(autostart.isEnabled());
    QFile entry(config.filePath(QStringLiteral("autostart/io.presently.Presently-work laptop.desktop")));
    QVERIFY(entry.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(entry.readAll());
    QVERIFY2(text.contains(QStringLiteral("Exec=\"/opt/Presently/bin/presently\" --profile \"work laptop\"")),
             qPrintable(text));
    QVERIFY(text.startsWith(QStringLiteral("[Desktop Entry]\nType=Application\n")));
    QVERIFY(autostart.setEnabled(false, QString()));
    QVERIFY(!autostart.isEnabled());
    QVERIFY(!entry.exists());
    qputenv("XDG_CONFIG_HOME", saved);
#else
    QSKIP("the XDG autostart entry is Linux's");
#endif
}

#include "TestClientModels.moc"
