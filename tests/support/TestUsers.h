#pragma once

#include "TestClient.h"

#include <QJsonArray>
#include <QJsonObject>
#include <memory>

// Small helpers shared by the end-to-end tests.
namespace TestUsers {

inline QJsonObject obj(std::initializer_list<QPair<QString, QJsonValue>> fields)
{
    QJsonObject o;
    for (const auto &f : fields)
        o.insert(f.first, f.second);
    return o;
}

inline QString type(const std::optional<QJsonObject> &o)
{
    return o ? o->value(QStringLiteral("type")).toString() : QStringLiteral("<nothing>");
}

inline QString code(const std::optional<QJsonObject> &o)
{
    return o ? o->value(QStringLiteral("code")).toString() : QStringLiteral("<nothing>");
}

// Makes a and b contacts (a asks, b accepts) and takes the resulting contacts messages.
inline bool befriend(TestClient &a, const QString &aName, TestClient &b, const QString &bName)
{
    const auto asked =
        a.request(obj({{QStringLiteral("type"), QStringLiteral("contact_add")}, {QStringLiteral("user"), bName}}));
    if (type(asked) != QLatin1String("ok") || !b.waitForType(QStringLiteral("contact_request")))
        return false;
    const auto accepted =
        b.request(obj({{QStringLiteral("type"), QStringLiteral("contact_accept")}, {QStringLiteral("user"), aName}}));
    if (type(accepted) != QLatin1String("ok"))
        return false;
    auto hasContact = [](const QString &name) {
        return [name](const QJsonObject &o) {
            if (o.value(QStringLiteral("type")).toString() != QLatin1String("contacts"))
                return false;
            for (const QJsonValue &c : o.value(QStringLiteral("contacts")).toArray()) {
                if (c.toObject().value(QStringLiteral("user")).toString() == name)
                    return true;
            }
            return false;
        };
    };
    return a.waitFor(hasContact(bName)).has_value() && b.waitFor(hasContact(aName)).has_value();
}

// A client signed in with a password (registering first when `create`), or null.
inline std::unique_ptr<TestClient> signedIn(const QUrl &url, const QString &user, const QString &password, bool create,
                                            const QString &device = QStringLiteral("desktop"))
{
    auto client = std::make_unique<TestClient>();
    if (!client->signIn(url, user, password, create, device))
        return nullptr;
    return client;
}

// A client signed in with a session token (as after a reconnect), or null.
inline std::unique_ptr<TestClient> signedInByToken(const QUrl &url, const QString &token)
{
    auto client = std::make_unique<TestClient>();
    if (!client->open(url))
        return nullptr;
    client->send(obj({{QStringLiteral("type"), QStringLiteral("hello")},
                      {QStringLiteral("token"), token},
                      {QStringLiteral("device"), QStringLiteral("desktop")}}));
    if (!client->waitForType(QStringLiteral("welcome")) || !client->waitForType(QStringLiteral("contacts")))
        return nullptr;
    return client;
}

// The token and session id from a client's welcome (its first message).
inline QString tokenOf(const TestClient &c)
{
    return c.log().first().message.value(QStringLiteral("token")).toString();
}

inline QString sessionOf(const TestClient &c)
{
    return c.log().first().message.value(QStringLiteral("session")).toString();
}

} // namespace TestUsers
