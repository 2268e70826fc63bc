#pragma once

#include <QJsonObject>

namespace presently {

// Server limits; the defaults are the protocol's. Announced in welcome.limits.
struct ProtocolLimits {
    int maxMessageBytes = 65536;
    int maxBodyChars = 4000;
    int maxTextChars = 128;
    int maxQueryUsers = 500;
    int ratePerSecond = 20;
    int rateBurst = 40;
    int floodPerSecond = 100;
    int floodBurst = 200;
    int maxDeviceChars = 32;
    int minPasswordChars = 8;
    int maxPasswordChars = 1024;
    int maxCidChars = 64;
    int maxIdChars = 128; // a request's string id (extension: longer is too_large, answered without it)
    int maxHistoryLimit = 200;
    int defaultHistoryLimit = 50;

    QJsonObject toWelcomeJson() const;
    static ProtocolLimits fromWelcomeJson(const QJsonObject &limits);
};

} // namespace presently
