#pragma once

#include <QByteArray>
#include <QList>

struct redisReply;

namespace presently {

// A Redis reply copied out of hiredis (whose reply objects die with the callback).
struct RedisReply {
    enum class Type { None, Nil, Error, Status, String, Integer, Array };

    Type type = Type::None; // None: no reply came (connection lost or timed out)
    QByteArray string;
    qint64 integer = 0;
    QList<RedisReply> elements;

    bool failed() const { return type == Type::None || type == Type::Error; }
    qint64 toInteger() const { return type == Type::Integer ? integer : string.toLongLong(); }

    static RedisReply fromHiredis(const redisReply *reply);
};

} // namespace presently
