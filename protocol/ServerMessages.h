#pragma once

#include "protocol/ChatMessage.h"
#include "protocol/ProtocolError.h"
#include "protocol/ProtocolLimits.h"
#include "protocol/UserPresence.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QStringList>

namespace presently {

struct WelcomeInfo {
    QString user;
    QString session;
    QString server;
    QString token;
    int heartbeatIntervalMs = 10000;
    int presenceTtlMs = 30000;
    ProtocolLimits limits;
    qint64 ts = 0;
    QStringList features; // extensions of the client's `features` this server applies
};

// Builders for every server-to-client message; serialisation is compact JSON.
namespace ServerMessages {

QByteArray toFrame(const QJsonObject &object);

QJsonObject welcome(const WelcomeInfo &info);
QJsonObject error(const ProtocolError &error);
QJsonObject ok(const QJsonValue &id);
QJsonObject heartbeatAck(qint64 ts, const QJsonValue &id = QJsonValue::Undefined);
QByteArray heartbeatAckFrame(qint64 ts);
QJsonObject presence(const QList<UserPresence> &users, const QJsonValue &id = QJsonValue::Undefined);
QJsonObject contacts(const QList<UserPresence> &contacts, const QStringList &requests, const QStringList &pending);
// `to` (extension, for sessions with Feature::RequestFrames): whom the request is for, so the
// sender's own sessions learn of it too; empty: the contract's frame, sent to the recipient only.
QJsonObject contactRequest(const QString &from, qint64 ts, const QString &to = QString());
QJsonObject sent(const QString &cid, qint64 mid, qint64 ts, const QJsonValue &id = QJsonValue::Undefined);
QJsonObject messages(const QList<ChatMessage> &messages, bool more, const QJsonValue &id);
QJsonObject read(const QString &from, const QString &with, qint64 mid);
QJsonObject typing(const QString &from, bool state);

} // namespace ServerMessages

} // namespace presently
