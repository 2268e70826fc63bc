#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QtGlobal>

namespace presently {

// RFC 6455 for the server side, on bytes only (no sockets): the opening handshake, client
// frames (masked) and server frames (unmasked). The gateway's sessions use it on raw sockets:
// a heartbeat then costs one read and one write, with no QString round trip.
namespace WebSocketCodec {

// Close codes this codec decides on (RFC 6455, section 7.4.1).
enum CloseCode : quint16 {
    CloseNormal = 1000,
    CloseGoingAway = 1001,
    CloseProtocolError = 1002,
    CloseInvalidPayload = 1007,
    ClosePolicy = 1008,
    CloseTooBig = 1009,
};

enum Opcode : quint8 {
    OpContinuation = 0x0,
    OpText = 0x1,
    OpBinary = 0x2,
    OpClose = 0x8,
    OpPing = 0x9,
    OpPong = 0xA,
};

struct Handshake {
    // Plain: a GET (HTTP/1.0 or 1.1) asking for no upgrade, such as a health check: `target` says
    // what it asks for and `response` is the 426 to send when the caller has nothing to answer.
    enum class Status { Incomplete, Accepted, Rejected, Plain };
    Status status = Status::Incomplete;
    QByteArray response;    // the whole HTTP response to send (101, or an error that ends the connection)
    qsizetype consumed = 0; // bytes of the request, when complete
    QString error;          // why it was rejected
    QByteArray target;      // Plain: the request target ("/readyz")
};

// Reads an HTTP upgrade request from the start of `data`. Incomplete until the blank line
// that ends it; a request over `maxBytes` without one is rejected. A request with an Origin
// header (a browser's) is refused with 403 unless the origin is in `allowedOrigins` (exact,
// case-insensitive; "*" allows any); one without Origin (a native client, a bot) is accepted.
// A GET with neither Upgrade nor Sec-WebSocket-Key is Plain.
Handshake readHandshake(const char *data, qsizetype size, qsizetype maxBytes, const QStringList &allowedOrigins = {});

struct Frame {
    enum class Status { Incomplete, Complete, Failed };
    Status status = Status::Incomplete;
    bool fin = false;
    quint8 opcode = 0;
    char *payload = nullptr; // unmasked in place
    qint64 length = 0;
    qsizetype consumed = 0; // header and payload
    quint16 closeCode = 0;  // when Failed
    const char *error = ""; // when Failed
};

// A whole HTTP/1.1 response that ends the connection (`extraHeaders`: lines ending in CRLF).
QByteArray httpResponse(const char *status, const char *contentType, const QByteArray &body,
                        const char *extraHeaders = "");

// Reads one client frame at the start of `data`, unmasking its payload in place. A payload
// declared over `maxPayload` fails with 1009 as soon as its header is in.
Frame readClientFrame(char *data, qsizetype size, qint64 maxPayload);

// Writes a server frame header (at most 10 bytes) for a payload of `length`; returns its size.
int writeFrameHeader(char *out, quint8 opcode, quint64 length);

// A close frame's payload: the code, then the reason cut to fit a control frame.
QByteArray closePayload(quint16 code, const QByteArray &reasonUtf8);

// Whether a close code may be sent by a peer (RFC 6455, 7.4).
bool isValidReceivedCloseCode(quint16 code);

bool isValidUtf8(const char *data, qsizetype size);

} // namespace WebSocketCodec

} // namespace presently
