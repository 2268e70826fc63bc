#include "protocol/ClientMessages.h"

#include <QJsonDocument>

namespace presently::ClientMessages {

namespace {
ClientMessage of(ClientMessageType type)
{
    ClientMessage m;
    m.type = type;
    return m;
}

ClientMessage signIn(ClientMessageType type, const QString &user, const QString &password, const QString &device,
                     const QString &client)
{
    ClientMessage m = of(type);
    m.user = user;
    m.password = password;
    m.device = device;
    m.client = client;
    return m;
}

ClientMessage forUsers(ClientMessageType type, const QStringList &users)
{
    ClientMessage m = of(type);
    m.users = users;
    return m;
}

ClientMessage forUser(ClientMessageType type, const QString &user)
{
    ClientMessage m = of(type);
    m.user = user;
    return m;
}
} // namespace

ClientMessage hello(const QString &user, const QString &password, const QString &device, const QString &client)
{
    return signIn(ClientMessageType::Hello, user, password, device, client);
}

ClientMessage helloWithToken(const QString &token, const QString &device, const QString &client)
{
    ClientMessage m = of(ClientMessageType::Hello);
    m.token = token;
    m.device = device;
    m.client = client;
    return m;
}

ClientMessage registerUser(const QString &user, const QString &password, const QString &device, const QString &client,
                           const QString &invite)
{
    ClientMessage m = signIn(ClientMessageType::Register, user, password, device, client);
    m.invite = invite;
    return m;
}

ClientMessage heartbeat(std::optional<Activity> activity)
{
    ClientMessage m = of(ClientMessageType::Heartbeat);
    m.activity = activity;
    return m;
}

ClientMessage setStatus(std::optional<Mode> mode, std::optional<QString> text)
{
    ClientMessage m = of(ClientMessageType::SetStatus);
    m.mode = mode;
    m.text = std::move(text);
    return m;
}

ClientMessage query(const QStringList &users)
{
    return forUsers(ClientMessageType::Query, users);
}

ClientMessage subscribe(const QStringList &users)
{
    return forUsers(ClientMessageType::Subscribe, users);
}

ClientMessage unsubscribe(const QStringList &users)
{
    return forUsers(ClientMessageType::Unsubscribe, users);
}

ClientMessage contactAdd(const QString &user)
{
    return forUser(ClientMessageType::ContactAdd, user);
}

ClientMessage contactAccept(const QString &user)
{
    return forUser(ClientMessageType::ContactAccept, user);
}

ClientMessage contactRemove(const QString &user)
{
    return forUser(ClientMessageType::ContactRemove, user);
}

ClientMessage send(const QString &to, const QString &cid, const QString &body)
{
    ClientMessage m = of(ClientMessageType::Send);
    m.to = to;
    m.cid = cid;
    m.body = body;
    return m;
}

ClientMessage history(const QString &with, std::optional<qint64> before, int limit)
{
    ClientMessage m = of(ClientMessageType::History);
    m.with = with;
    m.before = before;
    m.limit = limit;
    return m;
}

ClientMessage sync(qint64 after)
{
    ClientMessage m = of(ClientMessageType::Sync);
    m.after = after;
    return m;
}

ClientMessage read(const QString &with, qint64 mid)
{
    ClientMessage m = of(ClientMessageType::Read);
    m.with = with;
    m.mid = mid;
    return m;
}

ClientMessage typing(const QString &to, bool state)
{
    ClientMessage m = of(ClientMessageType::Typing);
    m.to = to;
    m.state = state;
    return m;
}

ClientMessage bye()
{
    return of(ClientMessageType::Bye);
}

ClientMessage logout()
{
    return of(ClientMessageType::Logout);
}

ClientMessage block(const QString &user)
{
    ClientMessage m = of(ClientMessageType::Block);
    m.user = user;
    return m;
}

ClientMessage unblock(const QString &user)
{
    ClientMessage m = of(ClientMessageType::Unblock);
    m.user = user;
    return m;
}

ClientMessage logoutAll()
{
    return of(ClientMessageType::LogoutAll);
}

ClientMessage changePassword(const QString &oldPassword, const QString &newPassword)
{
    ClientMessage m = of(ClientMessageType::ChangePassword);
    m.oldPassword = oldPassword;
    m.password = newPassword;
    return m;
}

QByteArray toFrame(const ClientMessage &message)
{
    return QJsonDocument(message.toJson()).toJson(QJsonDocument::Compact);
}

} // namespace presently::ClientMessages
