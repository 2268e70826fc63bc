#include "protocol/ClientMessage.h"
#include "protocol/ProtocolParser.h"
#include "protocol/ServerMessages.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

using namespace presently;

class TestCodec : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parsesEveryClientType_data();
    void parsesEveryClientType();
    void rejectsFaultyFrames_data();
    void rejectsFaultyFrames();
    void roundTripsClientMessages_data();
    void roundTripsClientMessages();
    void foldsUserNames();
    void countsCodePoints();
    void keepsIdOnErrors();
    void errorCodeNamesRoundTrip();
    void serialisesServerMessages();
    void presenceOfUnknownUserIsMinimal();
    void survivesRandomBytes();
};

void TestCodec::parsesEveryClientType_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<int>("type");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("value");

    auto row = [](const char *name, const char *json, ClientMessageType type, const char *field, const QString &value) {
        QTest::newRow(name) << QByteArray(json) << static_cast<int>(type) << QString::fromLatin1(field) << value;
    };
    row("hello password",
        R"({"type":"hello","v":1,"user":"Alice","password":"secret-pw","device":"desktop","client":"presently/0.1"})",
        ClientMessageType::Hello, "user", QStringLiteral("alice"));
    row("hello token", R"({"type":"hello","v":1,"token":"abc","device":"laptop"})", ClientMessageType::Hello, "token",
        QStringLiteral("abc"));
    row("hello no device", R"({"type":"hello","user":"bob","password":"12345678"})", ClientMessageType::Hello, "device",
        QStringLiteral("unknown"));
    row("register", R"({"type":"register","v":1,"user":"carol","password":"pässwörd☃"})", ClientMessageType::Register,
        "password", QStringLiteral("pässwörd☃"));
    row("heartbeat", R"({"type":"heartbeat"})", ClientMessageType::Heartbeat, "activity", QString());
    row("heartbeat idle", R"({"type":"heartbeat","status":"idle"})", ClientMessageType::Heartbeat, "activity",
        QStringLiteral("idle"));
    row("heartbeat active", R"({"type":"heartbeat","status":"active"})", ClientMessageType::Heartbeat, "activity",
        QStringLiteral("active"));
    // Other spellings of the same frames take the full JSON path and mean the same.
    row("heartbeat spaced", R"({ "type": "heartbeat" })", ClientMessageType::Heartbeat, "activity", QString());
    row("heartbeat idle reordered", R"({"status":"idle","type":"heartbeat"})", ClientMessageType::Heartbeat, "activity",
        QStringLiteral("idle"));
    row("set_status", R"({"type":"set_status","mode":"dnd","text":"in a meeting"})", ClientMessageType::SetStatus,
        "mode", QStringLiteral("dnd"));
    row("set_status clear", R"({"type":"set_status","text":""})", ClientMessageType::SetStatus, "text", QString());
    row("query", R"({"type":"query","id":7,"users":["bob","Carol","bob"]})", ClientMessageType::Query, "users",
        QStringLiteral("bob,carol"));
    row("subscribe", R"({"type":"subscribe","users":["dave"]})", ClientMessageType::Subscribe, "users",
        QStringLiteral("dave"));
    row("unsubscribe", R"({"type":"unsubscribe","users":[]})", ClientMessageType::Unsubscribe, "users", QString());
    row("contact_add", R"({"type":"contact_add","id":1,"user":"bob"})", ClientMessageType::ContactAdd, "user",
        QStringLiteral("bob"));
    row("contact_accept", R"({"type":"contact_accept","id":"x","user":"alice"})", ClientMessageType::ContactAccept,
        "user", QStringLiteral("alice"));
    row("contact_remove", R"({"type":"contact_remove","user":"bob"})", ClientMessageType::ContactRemove, "user",
        QStringLiteral("bob"));
    row("send", R"({"type":"send","to":"bob","cid":"0f5b","body":"hi"})", ClientMessageType::Send, "body",
        QStringLiteral("hi"));
    row("history", R"({"type":"history","id":4,"with":"bob","before":1200,"limit":500})", ClientMessageType::History,
        "limit", QStringLiteral("200"));
    row("sync", R"({"type":"sync","id":5,"after":1187})", ClientMessageType::Sync, "after", QStringLiteral("1187"));
    row("read", R"({"type":"read","with":"bob","mid":1201})", ClientMessageType::Read, "mid", QStringLiteral("1201"));
    row("typing", R"({"type":"typing","to":"bob","state":true})", ClientMessageType::Typing, "state",
        QStringLiteral("true"));
    row("bye", R"({"type":"bye"})", ClientMessageType::Bye, "", QString());
    row("logout", R"({"type":"logout","unknown_field":{"deep":[1,2,3]}})", ClientMessageType::Logout, "", QString());
}

void TestCodec::parsesEveryClientType()
{
    QFETCH(QByteArray, frame);
    QFETCH(int, type);
    QFETCH(QString, field);
    QFETCH(QString, value);

    const ParseResult r = ProtocolParser().parse(frame);
    QVERIFY2(r.ok(), qPrintable(r.error.message));
    const ClientMessage &m = *r.message;
    QCOMPARE(static_cast<int>(m.type), type);
    if (field == QLatin1String("user"))
        QCOMPARE(m.user, value);
    else if (field == QLatin1String("token"))
        QCOMPARE(m.token, value);
    else if (field == QLatin1String("device"))
        QCOMPARE(m.device, value);
    else if (field == QLatin1String("password"))
        QCOMPARE(m.password, value);
    else if (field == QLatin1String("activity"))
        QCOMPARE(m.activity ? activityName(*m.activity) : QString(), value);
    else if (field == QLatin1String("mode"))
        QCOMPARE(modeName(*m.mode), value);
    else if (field == QLatin1String("text"))
        QCOMPARE(m.text.value_or(QStringLiteral("absent")), value);
    else if (field == QLatin1String("users"))
        QCOMPARE(m.users.join(QLatin1Char(',')), value);
    else if (field == QLatin1String("body"))
        QCOMPARE(m.body, value);
    else if (field == QLatin1String("limit"))
        QCOMPARE(QString::number(m.limit), value);
    else if (field == QLatin1String("after"))
        QCOMPARE(QString::number(m.after), value);
    else if (field == QLatin1String("mid"))
        QCOMPARE(QString::number(m.mid), value);
    else if (field == QLatin1String("state"))
        QCOMPARE(m.state ? QStringLiteral("true") : QStringLiteral("false"), value);
}

void TestCodec::rejectsFaultyFrames_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("mentions");

    auto row = [](const char *name, const QByteArray &json, const char *code, const char *mentions) {
        QTest::newRow(name) << json << QString::fromLatin1(code) << QString::fromLatin1(mentions);
    };
    row("not json", "hello there", "bad_json", "JSON");
    row("array", "[1,2,3]", "bad_json", "object");
    row("string", "\"hello\"", "bad_json", "");
    row("empty", "", "bad_json", "");
    row("deep nesting", QByteArray(5000, '[') + QByteArray(5000, ']'), "bad_json", "");
    row("deep object", "{\"type\":\"heartbeat\",\"x\":" + QByteArray(5000, '[') + QByteArray(5000, ']') + "}",
        "bad_json", "");
    row("invalid utf8", QByteArray("{\"type\":\"hello\",\"user\":\"al\xff\xfeice\"}"), "bad_json", "");
    row("truncated utf8", QByteArray("{\"type\":\"set_status\",\"text\":\"\xe2\x82\"}"), "bad_json", "");
    row("no type", R"({"id":1})", "bad_request", "type");
    row("type number", R"({"type":5})", "bad_request", "type");
    row("unknown type", R"({"type":"dance"})", "unknown_type", "dance");
    row("id object", R"({"type":"heartbeat","id":{"a":1}})", "bad_request", "id");
    row("id fraction", R"({"type":"heartbeat","id":1.5})", "bad_request", "id");
    row("id huge", R"({"type":"heartbeat","id":1e300})", "bad_request", "id");
    row("hello no user", R"({"type":"hello","password":"12345678"})", "bad_request", "user");
    row("hello nul in user", "{\"type\":\"hello\",\"user\":\"al\\u0000ice\",\"password\":\"12345678\"}", "bad_request",
        "user");
    row("hello user too short", R"({"type":"hello","user":"a","password":"12345678"})", "bad_request", "user");
    row("hello user too long", R"({"type":"hello","user":"abcdefghijklmnopqrstuvwxyz0123456","password":"12345678"})",
        "bad_request", "user");
    row("hello user unicode", R"({"type":"hello","user":"älice","password":"12345678"})", "bad_request", "user");
    row("hello user space", R"({"type":"hello","user":"al ice","password":"12345678"})", "bad_request", "user");
    row("hello password short", R"({"type":"hello","user":"alice","password":"1234567"})", "bad_request", "password");
    row("hello password long",
        "{\"type\":\"register\",\"user\":\"alice\",\"password\":\"" + QByteArray(1025, 'x') + "\"}", "too_large",
        "password");
    row("hello password number", R"({"type":"hello","user":"alice","password":12345678})", "bad_request", "password");
    row("hello device long",
        R"({"type":"hello","user":"alice","password":"12345678","device":"abcdefghijklmnopqrstuvwxyz0123456"})",
        "too_large", "device");
    row("hello wrong version", R"({"type":"hello","v":2,"user":"alice","password":"12345678"})", "bad_request", "v");
    row("heartbeat bad status", R"({"type":"heartbeat","status":"asleep"})", "bad_request", "status");
    row("set_status bad mode", R"({"type":"set_status","mode":"busy"})", "bad_request", "mode");
    row("set_status long text", "{\"type\":\"set_status\",\"text\":\"" + QByteArray(129, 'x') + "\"}", "too_large",
        "text");
    row("query not list", R"({"type":"query","users":"bob"})", "bad_request", "users");
    row("query bad name", R"({"type":"query","users":["bob","no way"]})", "bad_request", "users");
    row("query number", R"({"type":"query","users":[1]})", "bad_request", "users");
    {
        QJsonArray many;
        for (int i = 0; i < 501; ++i)
            many.append(QStringLiteral("user%1").arg(i));
        row("query too many",
            QJsonDocument(
                QJsonObject{{QStringLiteral("type"), QStringLiteral("query")}, {QStringLiteral("users"), many}})
                .toJson(QJsonDocument::Compact),
            "too_large", "users");
    }
    row("contact_add missing", R"({"type":"contact_add"})", "bad_request", "user");
    row("send empty body", R"({"type":"send","to":"bob","cid":"1","body":""})", "bad_request", "body");
    row("send long body", "{\"type\":\"send\",\"to\":\"bob\",\"cid\":\"1\",\"body\":\"" + QByteArray(4001, 'x') + "\"}",
        "too_large", "body");
    row("send empty cid", R"({"type":"send","to":"bob","cid":"","body":"x"})", "bad_request", "cid");
    row("send long cid", "{\"type\":\"send\",\"to\":\"bob\",\"cid\":\"" + QByteArray(65, 'c') + "\",\"body\":\"x\"}",
        "too_large", "cid");
    row("history bad limit", R"({"type":"history","with":"bob","limit":0})", "bad_request", "limit");
    row("history negative before", R"({"type":"history","with":"bob","before":-1})", "bad_request", "before");
    row("sync string", R"({"type":"sync","after":"5"})", "bad_request", "after");
    row("sync huge", R"({"type":"sync","after":1e20})", "bad_request", "after");
    row("read no mid", R"({"type":"read","with":"bob"})", "bad_request", "mid");
    row("typing no state", R"({"type":"typing","to":"bob","state":"yes"})", "bad_request", "state");
    row("oversized", "{\"type\":\"heartbeat\",\"pad\":\"" + QByteArray(70000, 'x') + "\"}", "too_large", "");
    // Text that is not what it seems: lone surrogate halves, control characters, direction
    // overrides in one-line fields.
    row("lone high surrogate", R"({"type":"send","to":"bob","cid":"c","body":"a\ud800b"})", "bad_request", "surrogate");
    row("lone low surrogate", R"({"type":"set_status","text":"\uDC00"})", "bad_request", "surrogate");
    row("high then high", R"({"type":"send","to":"bob","cid":"c","body":"\ud83d\ud83d"})", "bad_request", "surrogate");
    row("surrogate at the end", R"({"type":"send","to":"bob","cid":"c","body":"x\ud83d"})", "bad_request", "surrogate");
    row("NUL in a body", R"({"type":"send","to":"bob","cid":"c","body":"a\u0000b"})", "bad_request", "U+0000");
    row("escape in a body", R"({"type":"send","to":"bob","cid":"c","body":"\u001b[31m"})", "bad_request", "U+001b");
    row("newline in a status", R"({"type":"set_status","text":"two\nlines"})", "bad_request", "U+000a");
    row("override in a status", R"({"type":"set_status","text":"\u202egnp.exe"})", "bad_request", "U+202e");
    row("isolate in a device", R"({"type":"hello","user":"bob","password":"12345678","device":"\u2066x"})",
        "bad_request", "device");
    row("C1 control in a device", R"({"type":"hello","user":"bob","password":"12345678","device":"x\u0085"})",
        "bad_request", "device");
}

void TestCodec::rejectsFaultyFrames()
{
    QFETCH(QByteArray, frame);
    QFETCH(QString, code);
    QFETCH(QString, mentions);

    const ParseResult r = ProtocolParser().parse(frame);
    QVERIFY(!r.ok());
    QCOMPARE(errorCodeName(r.error.code), code);
    QVERIFY2(r.error.message.contains(mentions), qPrintable(r.error.message));
}

void TestCodec::roundTripsClientMessages_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::newRow("hello") << QByteArray(
        R"({"type":"hello","v":1,"user":"alice","password":"12345678","device":"desktop","id":3})");
    QTest::newRow("token") << QByteArray(R"({"type":"hello","v":1,"token":"t0k","device":"web"})");
    QTest::newRow("register") << QByteArray(
        R"({"type":"register","v":1,"user":"alice","password":"12345678","device":"bot"})");
    QTest::newRow("heartbeat") << QByteArray(R"({"type":"heartbeat","status":"idle"})");
    QTest::newRow("set_status") << QByteArray(R"({"type":"set_status","mode":"invisible","text":"away ☕"})");
    QTest::newRow("query") << QByteArray(R"({"type":"query","id":"q","users":["bob","carol"]})");
    QTest::newRow("contact_remove") << QByteArray(R"({"type":"contact_remove","user":"bob"})");
    QTest::newRow("send") << QByteArray(R"({"type":"send","to":"bob","cid":"c1","body":"hi 👋"})");
    // What text may hold: a pair of escaped halves is one character; a body may break lines,
    // hold tabs and direction marks; an escaped backslash before a u is no escape.
    QTest::newRow("escaped pair") << QByteArray(R"({"type":"send","to":"bob","cid":"c1","body":"\ud83d\udc4b"})");
    QTest::newRow("lines and tabs") << QByteArray(
        R"({"type":"send","to":"bob","cid":"c1","body":"a\n\tb \u202eright to left\u202c"})");
    QTest::newRow("backslash u") << QByteArray(R"({"type":"set_status","text":"C:\\ud800"})");
    QTest::newRow("history") << QByteArray(R"({"type":"history","with":"bob","before":5,"limit":10})");
    QTest::newRow("sync") << QByteArray(R"({"type":"sync","after":9})");
    QTest::newRow("read") << QByteArray(R"({"type":"read","with":"bob","mid":12})");
    QTest::newRow("typing") << QByteArray(R"({"type":"typing","to":"bob","state":false})");
    QTest::newRow("bye") << QByteArray(R"({"type":"bye"})");
}

void TestCodec::roundTripsClientMessages()
{
    QFETCH(QByteArray, frame);
    const ParseResult first = ProtocolParser().parse(frame);
    QVERIFY2(first.ok(), qPrintable(first.error.message));
    const QJsonObject serialised = first.message->toJson();
    QCOMPARE(serialised, QJsonDocument::fromJson(frame).object());
    const ParseResult second = ProtocolParser().parse(QJsonDocument(serialised).toJson());
    QVERIFY(second.ok());
    QCOMPARE(second.message->toJson(), serialised);
}

void TestCodec::foldsUserNames()
{
    QCOMPARE(normalizeUserName(QStringLiteral("Alice.B_c-9")).value_or(QString()), QStringLiteral("alice.b_c-9"));
    QVERIFY(!normalizeUserName(QStringLiteral("x")));
    QVERIFY(!normalizeUserName(QStringLiteral("ALİCE")));
    QVERIFY(!normalizeUserName(QString(33, QLatin1Char('a'))));
    QVERIFY(normalizeUserName(QString(32, QLatin1Char('a'))));
}

void TestCodec::countsCodePoints()
{
    // 4,000 emoji are 8,000 UTF-16 units but 4,000 characters: a valid body.
    QString body;
    for (int i = 0; i < 4000; ++i)
        body += QString::fromUtf8("😀");
    QCOMPARE(codePointCount(body), 4000);
    const QJsonObject send{{QStringLiteral("type"), QStringLiteral("send")},
                           {QStringLiteral("to"), QStringLiteral("bob")},
                           {QStringLiteral("cid"), QStringLiteral("c")},
                           {QStringLiteral("body"), body}};
    QVERIFY(ProtocolParser().parse(QJsonDocument(send).toJson()).ok());
    QJsonObject tooLong = send;
    tooLong.insert(QStringLiteral("body"), body + QStringLiteral("x"));
    QCOMPARE(ProtocolParser().parse(QJsonDocument(tooLong).toJson()).error.code, ErrorCode::TooLarge);
}

void TestCodec::keepsIdOnErrors()
{
    const ParseResult r = ProtocolParser().parse(R"({"type":"query","id":"abc","users":"nope"})");
    QVERIFY(!r.ok());
    QCOMPARE(r.error.id.toString(), QStringLiteral("abc"));
    QCOMPARE(r.type, std::optional<ClientMessageType>(ClientMessageType::Query));
    const QJsonObject error = ServerMessages::error(r.error);
    QCOMPARE(error.value(QStringLiteral("id")).toString(), QStringLiteral("abc"));
    QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("bad_request"));
    QVERIFY(error.value(QStringLiteral("message")).toString().contains(QStringLiteral("users")));

    const ParseResult numeric = ProtocolParser().parse(R"({"type":"nope","id":42})");
    QCOMPARE(numeric.error.id.toInt(), 42);
}

void TestCodec::errorCodeNamesRoundTrip()
{
    const QStringList names = {
        QStringLiteral("bad_json"),          QStringLiteral("bad_request"), QStringLiteral("unknown_type"),
        QStringLiteral("not_authenticated"), QStringLiteral("auth_failed"), QStringLiteral("user_exists"),
        QStringLiteral("forbidden"),         QStringLiteral("not_found"),   QStringLiteral("rate_limited"),
        QStringLiteral("too_large"),         QStringLiteral("unavailable"), QStringLiteral("internal")};
    for (const QString &name : names) {
        const std::optional<ErrorCode> code = errorCodeFromName(name);
        QVERIFY2(code, qPrintable(name));
        QCOMPARE(errorCodeName(*code), name);
    }
    QVERIFY(!errorCodeFromName(QStringLiteral("nope")));
}

void TestCodec::serialisesServerMessages()
{
    WelcomeInfo info;
    info.user = QStringLiteral("alice");
    info.session = QStringLiteral("s-1");
    info.server = QStringLiteral("gw-1");
    info.token = QStringLiteral("tok");
    info.ts = 1763800000000;
    const QJsonObject welcome =
        QJsonDocument::fromJson(ServerMessages::toFrame(ServerMessages::welcome(info))).object();
    QCOMPARE(welcome.value(QStringLiteral("type")).toString(), QStringLiteral("welcome"));
    QCOMPARE(welcome.value(QStringLiteral("v")).toInt(), 1);
    QCOMPARE(welcome.value(QStringLiteral("heartbeat_interval")).toInt(), 10000);
    QCOMPARE(welcome.value(QStringLiteral("presence_ttl")).toInt(), 30000);
    QCOMPARE(welcome.value(QStringLiteral("ts")).toDouble(), 1763800000000.0);
    const QJsonObject limits = welcome.value(QStringLiteral("limits")).toObject();
    QCOMPARE(limits.value(QStringLiteral("max_message_bytes")).toInt(), 65536);
    QCOMPARE(limits.value(QStringLiteral("max_body_chars")).toInt(), 4000);
    QCOMPARE(limits.value(QStringLiteral("max_text_chars")).toInt(), 128);
    QCOMPARE(limits.value(QStringLiteral("max_query_users")).toInt(), 500);
    QCOMPARE(limits.value(QStringLiteral("rate_per_s")).toInt(), 20);
    QCOMPARE(limits.value(QStringLiteral("rate_burst")).toInt(), 40);

    UserPresence bob;
    bob.user = QStringLiteral("bob");
    bob.status = Status::Idle;
    bob.since = 5;
    bob.lastSeen = 6;
    bob.devices = {QStringLiteral("desktop"), QStringLiteral("laptop")};
    const QJsonObject contacts = ServerMessages::contacts({bob}, {QStringLiteral("carol")}, {QStringLiteral("dave")});
    QCOMPARE(contacts.value(QStringLiteral("requests")).toArray().first().toString(), QStringLiteral("carol"));
    QCOMPARE(contacts.value(QStringLiteral("pending")).toArray().first().toString(), QStringLiteral("dave"));
    const UserPresence back =
        UserPresence::fromJson(contacts.value(QStringLiteral("contacts")).toArray().first().toObject());
    QVERIFY(back == bob);

    QCOMPARE(ServerMessages::ok(7).value(QStringLiteral("id")).toInt(), 7);
    QVERIFY(!ServerMessages::ok(QJsonValue::Undefined).contains(QStringLiteral("id")));
    QCOMPARE(ServerMessages::heartbeatAck(9).value(QStringLiteral("ts")).toInt(), 9);
    for (const qint64 ts : {qint64(0), qint64(9), qint64(1763800000123)})
        QCOMPARE(ServerMessages::heartbeatAckFrame(ts), ServerMessages::toFrame(ServerMessages::heartbeatAck(ts)));
    const QJsonObject request = ServerMessages::contactRequest(QStringLiteral("alice"), 3);
    QCOMPARE(request.value(QStringLiteral("from")).toString(), QStringLiteral("alice"));

    const QJsonObject sent = ServerMessages::sent(QStringLiteral("c1"), 1201, 99, QStringLiteral("r7"));
    QCOMPARE(sent, (QJsonObject{{QStringLiteral("type"), QStringLiteral("sent")},
                                {QStringLiteral("cid"), QStringLiteral("c1")},
                                {QStringLiteral("mid"), 1201},
                                {QStringLiteral("ts"), 99},
                                {QStringLiteral("id"), QStringLiteral("r7")}}));
    ChatMessage hi;
    hi.mid = 1201;
    hi.cid = QStringLiteral("c1");
    hi.from = QStringLiteral("alice");
    hi.to = QStringLiteral("bob");
    hi.body = QStringLiteral("hi 👋");
    hi.ts = 99;
    const QJsonObject page = ServerMessages::messages({hi}, true, 5);
    QCOMPARE(page.value(QStringLiteral("more")).toBool(), true);
    QCOMPARE(page.value(QStringLiteral("id")).toInt(), 5);
    const QJsonObject entry = page.value(QStringLiteral("messages")).toArray().first().toObject();
    QCOMPARE(entry.value(QStringLiteral("type")).toString(), QStringLiteral("message"));
    const ChatMessage back2 = ChatMessage::fromJson(entry);
    QCOMPARE(back2.body, hi.body);
    QCOMPARE(back2.mid, hi.mid);
    QCOMPARE(ServerMessages::read(QStringLiteral("alice"), QStringLiteral("bob"), 7)
                 .value(QStringLiteral("with"))
                 .toString(),
             QStringLiteral("bob"));
    QCOMPARE(ServerMessages::typing(QStringLiteral("alice"), false).value(QStringLiteral("state")).toBool(), false);
}

void TestCodec::presenceOfUnknownUserIsMinimal()
{
    const QJsonObject unknown = UserPresence::unknown(QStringLiteral("eve")).toJson();
    QCOMPARE(unknown.keys(), (QStringList{QStringLiteral("status"), QStringLiteral("user")}));
    QCOMPARE(unknown.value(QStringLiteral("status")).toString(), QStringLiteral("unknown"));
}

void TestCodec::survivesRandomBytes()
{
    // Whatever arrives, the parser answers with a result and never crashes.
    QRandomGenerator rng(12345);
    const ProtocolParser parser;
    for (int i = 0; i < 2000; ++i) {
        QByteArray frame(static_cast<qsizetype>(rng.bounded(200)), '\0');
        for (char &c : frame)
            c = static_cast<char>(rng.bounded(256));
        if (i % 2 == 0)
            frame = "{\"type\":\"hello\",\"user\":" + frame + "}";
        const ParseResult r = parser.parse(frame);
        QVERIFY(!r.ok() || r.message.has_value());
    }
}

QTEST_GUILESS_MAIN(TestCodec)
#include "TestCodec.moc"
