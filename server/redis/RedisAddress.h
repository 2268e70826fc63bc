#pragma once

#include <QString>

namespace presently {

// Where a Redis server is: redis://HOST:PORT/DB.
struct RedisAddress {
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 6379;
    int db = 0;
};

} // namespace presently
