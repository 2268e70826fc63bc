#pragma once

#include "protocol/ClientMessage.h"

#include <QByteArray>

namespace presently {

// Builders for every client-to-server message, so a client writes none by hand: the mirror of
// ServerMessages. Each returns the ClientMessage the server's ProtocolParser reads back.
namespace ClientMessages {

ClientMessage hello(const QString &user, const QString &password, const QString &device, const QString &client);
ClientMessage helloWithToken(const QString &token, const QString &device, const QString &client);
// `invite`: the invitation code a server that registers by invitation asks for (empty: none).
ClientMessage registerUser(const QString &user, const QString &password, const QString &device, const QString &client,
                           const QString &invite = QString());
ClientMessage heartbeat(std::optional<Activity> activity = std::nullopt);
ClientMessage setStatus(std::optional<Mode> mode, std::optional<QString> text);
ClientMessage query(const QStringList &users);
ClientMessage subscribe(const QStringList &users);
ClientMessage unsubscribe(const QStringList &users);
ClientMessage contactAdd(const QString &user);
ClientMessage contactAccept(const QString &user);
ClientMessage contactRemove(const QString &user);
ClientMessage send(const QString &to, const QString &cid, const QString &body);
ClientMessage history(const QString &with, std::optional<qint64> before, int limit);
ClientMessage sync(qint64 after);
ClientMessage read(const QString &with, qint64 mid);
ClientMessage typing(const QString &to, bool state);
ClientMessage bye();
ClientMessage logout();
ClientMessage logoutAll();
ClientMessage block(const QString &user);
ClientMessage unblock(const QString &user);
ClientMessage changePassword(const QString &oldPassword, const QString &newPassword);

// The frame to send: compact JSON.
QByteArray toFrame(const ClientMessage &message);

} // namespace ClientMessages

} // namespace presently
