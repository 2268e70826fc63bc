#include "net/WebSocketCodec.h"

#include <QByteArrayView>
#include <QCryptographicHash>
#include <cstring>

namespace presently::WebSocketCodec {

QByteArray httpResponse(const char *status, const char *contentType, const QByteArray &body, const char *extraHeaders)
{
    return QByteArray("HTTP/1.1 ") + status + "\r\nConnection: close\r\nContent-Type: " + contentType + "\r\n" +
           extraHeaders + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

namespace {

QByteArray httpError(const char *status, const QString &error, const char *extraHeaders = "")
{
    return httpResponse(status, "text/plain; charset=utf-8", error.toUtf8() + '\n', extraHeaders);
}

Handshake rejected(const char *status, const QString &error, const char *extraHeaders = "")
{
    Handshake h;
    h.status = Handshake::Status::Rejected;
    h.error = error;
    h.response = httpError(status, error, extraHeaders);
    return h;
}

// Whether a comma-separated header value holds `token` (case-insensitive).
bool hasToken(QByteArrayView value, QByteArrayView token)
{
    qsizetype start = 0;
    while (start <= value.size()) {
        qsizetype end = value.indexOf(',', start);
        if (end < 0)
            end = value.size();
        if (value.sliced(start, end - start).trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
        start = end + 1;
    }
    return false;
}

} // namespace

Handshake readHandshake(const char *data, qsizetype size, qsizetype maxBytes, const QStringList &allowedOrigins)
{
    const QByteArrayView request(data, size);
    const qsizetype end = request.indexOf(QByteArrayView("\r\n\r\n"));
    if (end < 0) {
        if (size > maxBytes)
            return rejected("431 Request Header Fields Too Large", QStringLiteral("request headers too large"));
        return {};
    }
    if (end + 4 > maxBytes)
        return rejected("431 Request Header Fields Too Large", QStringLiteral("request headers too large"));

    const QByteArrayView head = request.first(end);
    qsizetype lineEnd = head.indexOf(QByteArrayView("\r\n"));
    if (lineEnd < 0)
        lineEnd = head.size();
    const QByteArrayView requestLine = head.first(lineEnd);
    const qsizetype firstSpace = requestLine.indexOf(' ');
    const qsizetype lastSpace = requestLine.lastIndexOf(' ');
    if (firstSpace <= 0 || lastSpace <= firstSpace + 1)
        return rejected("400 Bad Request", QStringLiteral("malformed request line"));
    if (requestLine.first(firstSpace) != QByteArrayView("GET"))
        return rejected("405 Method Not Allowed", QStringLiteral("a WebSocket upgrade must be a GET"),
                        "Allow: GET\r\n");
    const QByteArrayView version = requestLine.sliced(lastSpace + 1);
    // HTTP/1.0 is only for plain requests (health checkers send it); an upgrade needs 1.1.
    const bool http10 = version == QByteArrayView("HTTP/1.0");
    if (version != QByteArrayView("HTTP/1.1") && !http10)
        return rejected("400 Bad Request", QStringLiteral("HTTP/1.1 is required"));

    QByteArrayView upgrade, connection, key, wsVersion, origin;
    bool haveHost = false;
    int keys = 0;
    int origins = 0;
    qsizetype pos = lineEnd + 2;
    while (pos < head.size()) {
        qsizetype next = head.indexOf(QByteArrayView("\r\n"), pos);
        if (next < 0)
            next = head.size();
        const QByteArrayView line = head.sliced(pos, next - pos);
        pos = next + 2;
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return rejected("400 Bad Request", QStringLiteral("malformed header line"));
        const QByteArrayView name = line.first(colon);
        const QByteArrayView value = line.sliced(colon + 1).trimmed();
        if (name.compare(QByteArrayView("Upgrade"), Qt::CaseInsensitive) == 0)
            upgrade = value;
        else if (name.compare(QByteArrayView("Connection"), Qt::CaseInsensitive) == 0)
            connection = value;
        else if (name.compare(QByteArrayView("Sec-WebSocket-Key"), Qt::CaseInsensitive) == 0) {
            key = value;
            ++keys;
        } else if (name.compare(QByteArrayView("Origin"), Qt::CaseInsensitive) == 0) {
            origin = value;
            ++origins;
        } else if (name.compare(QByteArrayView("Sec-WebSocket-Version"), Qt::CaseInsensitive) == 0)
            wsVersion = value;
        else if (name.compare(QByteArrayView("Host"), Qt::CaseInsensitive) == 0)
            haveHost = true;
    }
    if (upgrade.isEmpty() && keys == 0) {
        // Not a WebSocket at all: for the caller to answer (a health check), else 426.
        Handshake h = rejected("426 Upgrade Required", QStringLiteral("this is a WebSocket endpoint"),
                               "Upgrade: websocket\r\nConnection: Upgrade\r\n");
        h.status = Handshake::Status::Plain;
        h.consumed = end + 4;
        h.target = requestLine.sliced(firstSpace + 1, lastSpace - firstSpace - 1).toByteArray();
        return h;
    }
    if (http10)
        return rejected("400 Bad Request", QStringLiteral("HTTP/1.1 is required"));
    if (!haveHost)
        return rejected("400 Bad Request", QStringLiteral("missing Host header"));
    if (keys > 1) // RFC 6455, 11.3.1: it must not appear more than once
        return rejected("400 Bad Request", QStringLiteral("more than one Sec-WebSocket-Key"));
    if (origins > 1)
        return rejected("400 Bad Request", QStringLiteral("more than one Origin"));
    if (origins == 1 && !allowedOrigins.contains(QStringLiteral("*")) &&
        !allowedOrigins.contains(QString::fromLatin1(origin), Qt::CaseInsensitive))
        return rejected("403 Forbidden", QStringLiteral("origin not allowed"));
    if (!hasToken(upgrade, "websocket") || !hasToken(connection, "upgrade"))
        return rejected("426 Upgrade Required", QStringLiteral("this is a WebSocket endpoint"),
                        "Upgrade: websocket\r\nConnection: Upgrade\r\n");
    if (wsVersion != QByteArrayView("13"))
        return rejected("426 Upgrade Required", QStringLiteral("WebSocket version 13 is required"),
                        "Sec-WebSocket-Version: 13\r\n");
    const auto decodedKey = QByteArray::fromBase64Encoding(key.toByteArray(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decodedKey || decodedKey.decoded.size() != 16)
        return rejected("400 Bad Request", QStringLiteral("Sec-WebSocket-Key must be 16 bytes in base64"));

    const QByteArray accept =
        QCryptographicHash::hash(key.toByteArray() + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", QCryptographicHash::Sha1)
            .toBase64();
    Handshake h;
    h.status = Handshake::Status::Accepted;
    h.consumed = end + 4;
    h.response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: " +
                 accept + "\r\n\r\n";
    return h;
}

namespace {

Frame failed(quint16 code, const char *error)
{
    Frame f;
    f.status = Frame::Status::Failed;
    f.closeCode = code;
    f.error = error;
    return f;
}

void unmask(char *payload, qint64 length, const char *maskKey)
{
    quint64 mask8;
    char pattern[8];
    for (int i = 0; i < 8; ++i)
        pattern[i] = maskKey[i % 4];
    std::memcpy(&mask8, pattern, 8);
    qint64 i = 0;
    for (; i + 8 <= length; i += 8) {
        quint64 word;
        std::memcpy(&word, payload + i, 8);
        word ^= mask8;
        std::memcpy(payload + i, &word, 8);
    }
    for (; i < length; ++i)
        payload[i] = static_cast<char>(payload[i] ^ maskKey[i % 4]);
}

} // namespace

Frame readClientFrame(char *data, qsizetype size, qint64 maxPayload)
{
    if (size < 2)
        return {};
    const auto b0 = static_cast<quint8>(data[0]);
    const auto b1 = static_cast<quint8>(data[1]);
    Frame f;
    f.fin = (b0 & 0x80) != 0;
    f.opcode = b0 & 0x0F;
    if ((b0 & 0x70) != 0)
        return failed(CloseProtocolError, "reserved bits set without an extension");
    switch (f.opcode) {
    case OpContinuation:
    case OpText:
    case OpBinary:
    case OpClose:
    case OpPing:
    case OpPong:
        break;
    default:
        return failed(CloseProtocolError, "unknown opcode");
    }
    if ((b1 & 0x80) == 0)
        return failed(CloseProtocolError, "client frames must be masked");
    quint64 length = b1 & 0x7F;
    qsizetype header = 2;
    if (length == 126) {
        if (size < 4)
            return {};
        length = (quint64(quint8(data[2])) << 8) | quint8(data[3]);
        header = 4;
    } else if (length == 127) {
        if (size < 10)
            return {};
        length = 0;
        for (int i = 2; i < 10; ++i)
            length = (length << 8) | quint8(data[i]);
        if (length >> 63)
            return failed(CloseProtocolError, "frame length out of range");
        header = 10;
    }
    if ((f.opcode & 0x8) != 0 && (!f.fin || length > 125))
        return failed(CloseProtocolError, "control frames must be whole and at most 125 bytes");
    if (length > quint64(maxPayload))
        return failed(CloseTooBig, "frame over the size limit");
    header += 4; // the masking key
    if (size < header || quint64(size - header) < length)
        return {};
    f.status = Frame::Status::Complete;
    f.payload = data + header;
    f.length = qint64(length);
    f.consumed = header + qsizetype(length);
    unmask(f.payload, f.length, data + header - 4);
    return f;
}

int writeFrameHeader(char *out, quint8 opcode, quint64 length)
{
    out[0] = static_cast<char>(0x80 | opcode);
    if (length < 126) {
        out[1] = static_cast<char>(length);
        return 2;
    }
    if (length <= 0xFFFF) {
        out[1] = 126;
        out[2] = static_cast<char>(length >> 8);
        out[3] = static_cast<char>(length);
        return 4;
    }
    out[1] = 127;
    for (int i = 0; i < 8; ++i)
        out[2 + i] = static_cast<char>(length >> (56 - 8 * i));
    return 10;
}

QByteArray closePayload(quint16 code, const QByteArray &reasonUtf8)
{
    QByteArray payload;
    payload.append(static_cast<char>(code >> 8));
    payload.append(static_cast<char>(code & 0xFF));
    // A control frame holds 125 bytes: cut the reason there, on a character boundary.
    qsizetype reasonSize = qMin<qsizetype>(reasonUtf8.size(), 123);
    while (reasonSize > 0 && reasonSize < reasonUtf8.size() && (quint8(reasonUtf8[reasonSize]) & 0xC0) == 0x80)
        --reasonSize;
    payload.append(reasonUtf8.constData(), reasonSize);
    return payload;
}

bool isValidReceivedCloseCode(quint16 code)
{
    if (code >= 3000 && code <= 4999)
        return true;
    switch (code) {
    case 1000:
    case 1001:
    case 1002:
    case 1003:
    case 1007:
    case 1008:
    case 1009:
    case 1010:
    case 1011:
    case 1012: // service restart, try again later, bad gateway (IANA registry)
    case 1013:
    case 1014:
        return true;
    default:
        return false;
    }
}

bool isValidUtf8(const char *data, qsizetype size)
{
    const auto *s = reinterpret_cast<const unsigned char *>(data);
    qsizetype i = 0;
    while (i < size) {
        // ASCII eight bytes at a time: nearly every frame is all ASCII.
        if (i + 8 <= size) {
            quint64 word;
            std::memcpy(&word, s + i, 8);
            if ((word & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        const unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        int extra;
        unsigned char low = 0x80, high = 0xBF; // range of the first continuation byte
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            if (c == 0xE0)
                low = 0xA0; // no overlong forms
            else if (c == 0xED)
                high = 0x9F; // no surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            if (c == 0xF0)
                low = 0x90;
            else if (c == 0xF4)
                high = 0x8F; // nothing above U+10FFFF
        } else {
            return false;
        }
        if (i + extra >= size)
            return false;
        if (s[i + 1] < low || s[i + 1] > high)
            return false;
        for (int k = 2; k <= extra; ++k) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        }
        i += extra + 1;
    }
    return true;
}

} // namespace presently::WebSocketCodec
