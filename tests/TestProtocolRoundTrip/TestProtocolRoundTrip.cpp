// Every message both ways and every event between gateways survives its own codec: what a client
// builds with ClientMessages the server's parser reads back field for field, what the server
// builds with ServerMessages a client's ServerMessage::read reads back, and each UserEvent
// decodes to what was encoded.
#include "events/UserEvent.h"
#include "protocol/ClientMessages.h"
#include "protocol/ProtocolParser.h"
#include "protocol/ServerMessage.h"

#include <QTest>

using namespace presently;

namespace {
ClientMessage parsed(const ClientMessage &built)
{
    const ParseResult result = ProtocolParser().parse(ClientMessages::toFrame(built));
    if (!result.ok())
        qWarning("%s: %s", ClientMessages::toFrame(built).constData(), qPrintable(result.error.message));
    return result.message.value_or(ClientMessage{});
}

ServerMessage readBack(const QJsonObject &built)
{
    return ServerMessage::read(ServerMessages::toFrame(built)).value_or(ServerMessage{});
}

UserPresence someone(const QString &user, Status status)
{
    UserPresence p;
    p.user = user;
    p.status = status;
    p.text = status == Status::Offline ? QString() : QStringLiteral("at work ✓");
    p.since = 1763800000000;
    p.lastSeen = 1763800050000;
    if (status != Status::Offline)
        p.devices = {QStringLiteral("desktop"), QStringLiteral("laptop")};
    return p;
}

ChatMessage chat(qint64 mid)
{
    return {mid,
            QStringLiteral("cid-%1").arg(mid),
            QStringLiteral("alice"),
            QStringLiteral("bob"),
            QStringLiteral("hi 👋 %1").arg(mid),
            1763800000000 + mid};
}

template <class Event> Event roundTrip(const Event &event)
{
    const std::optional<UserEvent> back = UserEventCodec::decode(UserEventCodec::encode(event));
    if (!back || !std::holds_alternative<Event>(*back))
        return Event{};
    return std::get<Event>(*back);
}
} // namespace

class TestProtocolRoundTrip : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void clientMessages();
    void serverMessages();
    void userEvents();
};

void TestProtocolRoundTrip::clientMessages()
{
    ClientMessage m = parsed(ClientMessages::hello(QStringLiteral("alice"), QStringLiteral("correct horse"),
                                                   QStringLiteral("laptop"), QStringLiteral("presently/0.1")));
    QCOMPARE(m.type, ClientMessageType::Hello);
    QCOMPARE(m.user, QStringLiteral("alice"));
    QCOMPARE(m.password, QStringLiteral("correct horse"));
    QCOMPARE(m.device, QStringLiteral("laptop"));
    QCOMPARE(m.client, QStringLiteral("presently/0.1"));

    QVERIFY(m.features.isEmpty());

    ClientMessage withFeatures =
        ClientMessages::helloWithToken(QStringLiteral("tok"), QStringLiteral("desktop"), QString());
    withFeatures.features = {QLatin1String(Feature::RequestFrames), QStringLiteral("from_the_future")};
    m = parsed(withFeatures);
    QCOMPARE(m.type, ClientMessageType::Hello);
    QCOMPARE(m.token, QStringLiteral("tok"));
    QVERIFY(m.user.isEmpty());
    QCOMPARE(m.features, withFeatures.features); // unknown names kept, for the server to ignore

    m = parsed(ClientMessages::registerUser(QStringLiteral("bob"), QStringLiteral("pässwörd!"), QStringLiteral("web"),
                                            QString()));
    QCOMPARE(m.type, ClientMessageType::Register);
    QCOMPARE(m.password, QStringLiteral("pässwörd!"));

    m = parsed(ClientMessages::heartbeat());
    QCOMPARE(m.type, ClientMessageType::Heartbeat);
    QVERIFY(!m.activity);
    QCOMPARE(parsed(ClientMessages::heartbeat(Activity::Idle)).activity, std::optional<Activity>(Activity::Idle));

    m = parsed(ClientMessages::setStatus(Mode::Dnd, QStringLiteral("in a meeting")));
    QCOMPARE(m.type, ClientMessageType::SetStatus);
    QCOMPARE(m.mode, std::optional<Mode>(Mode::Dnd));
    QCOMPARE(m.text, std::optional<QString>(QStringLiteral("in a meeting")));
    m = parsed(ClientMessages::setStatus(std::nullopt, QString()));
    QVERIFY(!m.mode);
    QCOMPARE(m.text, std::optional<QString>(QString()));

    const QStringList users{QStringLiteral("bob"), QStringLiteral("carol")};
    QCOMPARE(parsed(ClientMessages::query(users)).users, users);
    QCOMPARE(parsed(ClientMessages::subscribe(users)).type, ClientMessageType::Subscribe);
    QCOMPARE(parsed(ClientMessages::unsubscribe(users)).users, users);
    for (const auto &[built, type] :
         {std::pair{ClientMessages::contactAdd(QStringLiteral("dave")), ClientMessageType::ContactAdd},
          std::pair{ClientMessages::contactAccept(QStringLiteral("dave")), ClientMessageType::ContactAccept},
          std::pair{ClientMessages::contactRemove(QStringLiteral("dave")), ClientMessageType::ContactRemove}}) {
        m = parsed(built);
        QCOMPARE(m.type, type);
        QCOMPARE(m.user, QStringLiteral("dave"));
    }

    m = parsed(ClientMessages::send(QStringLiteral("bob"), QStringLiteral("0f5b"), QStringLiteral("hi 👋")));
    QCOMPARE(m.type, ClientMessageType::Send);
    QCOMPARE(m.to, QStringLiteral("bob"));
    QCOMPARE(m.cid, QStringLiteral("0f5b"));
    QCOMPARE(m.body, QStringLiteral("hi 👋"));

    m = parsed(ClientMessages::history(QStringLiteral("bob"), 1200, 20));
    QCOMPARE(m.with, QStringLiteral("bob"));
    QCOMPARE(m.before, std::optional<qint64>(1200));
    QCOMPARE(m.limit, 20);
    QVERIFY(!parsed(ClientMessages::history(QStringLiteral("bob"), std::nullopt, 50)).before);

    QCOMPARE(parsed(ClientMessages::sync(1187)).after, qint64(1187));
    m = parsed(ClientMessages::read(QStringLiteral("bob"), 1201));
    QCOMPARE(m.with, QStringLiteral("bob"));
    QCOMPARE(m.mid, qint64(1201));
    m = parsed(ClientMessages::typing(QStringLiteral("bob"), true));
    QCOMPARE(m.to, QStringLiteral("bob"));
    QCOMPARE(m.state, true);
    QCOMPARE(parsed(ClientMessages::bye()).type, ClientMessageType::Bye);
    QCOMPARE(parsed(ClientMessages::logout()).type, ClientMessageType::Logout);

    // A request id goes out and comes back as given.
    ClientMessage withId = ClientMessages::query(users);
    withId.id = QStringLiteral("q-1");
    QCOMPARE(parsed(withId).id, QJsonValue(QStringLiteral("q-1")));
}

void TestProtocolRoundTrip::serverMessages()
{
    WelcomeInfo info;
    info.user = QStringLiteral("alice");
    info.session = QStringLiteral("s-1");
    info.server = QStringLiteral("gw-1");
    info.token = QStringLiteral("tok");
    info.heartbeatIntervalMs = 500;
    info.presenceTtlMs = 1500;
    info.limits.rateBurst = 7;
    info.ts = 1763800000000;
    ServerMessage m = readBack(ServerMessages::welcome(info));
    QCOMPARE(m.type, ServerMessageType::Welcome);
    QCOMPARE(m.welcome.user, info.user);
    QCOMPARE(m.welcome.session, info.session);
    QCOMPARE(m.welcome.server, info.server);
    QCOMPARE(m.welcome.token, info.token);
    QCOMPARE(m.welcome.heartbeatIntervalMs, 500);
    QCOMPARE(m.welcome.presenceTtlMs, 1500);
    QCOMPARE(m.welcome.limits.rateBurst, 7);
    QCOMPARE(m.welcome.ts, info.ts);
    QVERIFY(m.welcome.features.isEmpty());
    QVERIFY(!ServerMessages::welcome(info).contains(QStringLiteral("features"))); // the contract's welcome
    info.features = {QLatin1String(Feature::RequestFrames)};
    QCOMPARE(readBack(ServerMessages::welcome(info)).welcome.features, info.features);

    const QList<UserPresence> people{someone(QStringLiteral("bob"), Status::Idle),
                                     someone(QStringLiteral("carol"), Status::Offline),
                                     UserPresence::unknown(QStringLiteral("eve"))};
    m = readBack(ServerMessages::contacts(people, {QStringLiteral("dave")}, {QStringLiteral("erin")}));
    QCOMPARE(m.type, ServerMessageType::Contacts);
    QCOMPARE(m.users, people);
    QCOMPARE(m.requests, QStringList{QStringLiteral("dave")});
    QCOMPARE(m.pending, QStringList{QStringLiteral("erin")});
    m = readBack(ServerMessages::presence(people, 7));
    QCOMPARE(m.type, ServerMessageType::Presence);
    QCOMPARE(m.users, people);
    QCOMPARE(m.id.toInt(), 7);

    m = readBack(ServerMessages::heartbeatAck(42, QStringLiteral("hb")));
    QCOMPARE(m.type, ServerMessageType::HeartbeatAck);
    QCOMPARE(m.ts, qint64(42));
    QCOMPARE(m.id.toString(), QStringLiteral("hb"));
    m = *ServerMessage::read(ServerMessages::heartbeatAckFrame(43));
    QCOMPARE(m.ts, qint64(43));
    QVERIFY(m.id.isUndefined());

    QCOMPARE(readBack(ServerMessages::ok(3)).type, ServerMessageType::Ok);
    for (int code = 0; code <= static_cast<int>(ErrorCode::Internal); ++code) {
        m = readBack(ServerMessages::error({static_cast<ErrorCode>(code), QStringLiteral("why"), 9}));
        QCOMPARE(m.type, ServerMessageType::Error);
        QCOMPARE(m.error.code, static_cast<ErrorCode>(code));
        QCOMPARE(m.error.message, QStringLiteral("why"));
        QCOMPARE(m.id.toInt(), 9);
    }

    m = readBack(ServerMessages::contactRequest(QStringLiteral("dave"), 77));
    QCOMPARE(m.type, ServerMessageType::ContactRequest);
    QCOMPARE(m.from, QStringLiteral("dave"));
    QCOMPARE(m.ts, qint64(77));
    QVERIFY(m.to.isEmpty());
    QVERIFY(!ServerMessages::contactRequest(QStringLiteral("dave"), 77).contains(QStringLiteral("to")));
    QCOMPARE(readBack(ServerMessages::contactRequest(QStringLiteral("dave"), 77, QStringLiteral("erin"))).to,
             QStringLiteral("erin"));
    m = readBack(ServerMessages::sent(QStringLiteral("0f5b"), 1201, 88, 5));
    QCOMPARE(m.type, ServerMessageType::Sent);
    QCOMPARE(m.cid, QStringLiteral("0f5b"));
    QCOMPARE(m.mid, qint64(1201));
    QCOMPARE(m.ts, qint64(88));
    m = readBack(chat(1201).toJson());
    QCOMPARE(m.type, ServerMessageType::Message);
    QCOMPARE(m.messages.size(), 1);
    QCOMPARE(m.messages.first().body, chat(1201).body);
    QCOMPARE(m.messages.first().mid, qint64(1201));
    m = readBack(ServerMessages::messages({chat(1), chat(2)}, true, 4));
    QCOMPARE(m.type, ServerMessageType::Messages);
    QCOMPARE(m.messages.size(), 2);
    QCOMPARE(m.messages.at(1).cid, chat(2).cid);
    QCOMPARE(m.more, true);
    m = readBack(ServerMessages::read(QStringLiteral("alice"), QStringLiteral("bob"), 1201));
    QCOMPARE(m.type, ServerMessageType::Read);
    QCOMPARE(m.from, QStringLiteral("alice"));
    QCOMPARE(m.with, QStringLiteral("bob"));
    QCOMPARE(m.mid, qint64(1201));
    m = readBack(ServerMessages::typing(QStringLiteral("alice"), true));
    QCOMPARE(m.type, ServerMessageType::Typing);
    QCOMPARE(m.from, QStringLiteral("alice"));
    QCOMPARE(m.state, true);

    // What a client does not know it ignores.
    QVERIFY(!ServerMessage::read(R"({"type":"from_the_future"})"));
    QVERIFY(!ServerMessage::read("not json"));
}

void TestProtocolRoundTrip::userEvents()
{
    using namespace UserEvents;
    QCOMPARE(roundTrip(ContactsChanged{QStringLiteral("s-1")}).bySession, QStringLiteral("s-1"));
    const ContactRequest request =
        roundTrip(ContactRequest{QStringLiteral("dave"), QStringLiteral("erin"), 1763800000000, QStringLiteral("s-3")});
    QCOMPARE(request.from, QStringLiteral("dave"));
    QCOMPARE(request.to, QStringLiteral("erin"));
    QCOMPARE(request.ts, qint64(1763800000000));
    QCOMPARE(request.bySession, QStringLiteral("s-3"));
    QCOMPARE(roundTrip(MessageStored{9007199254740000}).mid, qint64(9007199254740000));
    const ReadMoved read =
        roundTrip(ReadMoved{QStringLiteral("alice"), QStringLiteral("bob"), 1201, QStringLiteral("s-2")});
    QCOMPARE(read.from, QStringLiteral("alice"));
    QCOMPARE(read.with, QStringLiteral("bob"));
    QCOMPARE(read.mid, qint64(1201));
    QCOMPARE(read.bySession, QStringLiteral("s-2"));
    const Typing typing = roundTrip(Typing{QStringLiteral("alice"), true});
    QCOMPARE(typing.from, QStringLiteral("alice"));
    QCOMPARE(typing.state, true);
    // Catch-up is local to a gateway: never put on the wire.
    QVERIFY(UserEventCodec::encode(CatchUp{}).isEmpty());
    QVERIFY(!UserEventCodec::decode(R"({"kind":"something new"})"));
    // What today's gateways publish decodes (a fleet upgrades one gateway at a time).
    const std::optional<UserEvent> old = UserEventCodec::decode(R"({"kind":"message","mid":1201})");
    QVERIFY(old && std::holds_alternative<MessageStored>(*old));
}

QTEST_GUILESS_MAIN(TestProtocolRoundTrip)
#include "TestProtocolRoundTrip.moc"
