#pragma once

#include <QByteArray>
#include <functional>

class QObject;

// One HTTP/1.0 GET to a loopback port without blocking the event loop (a test that keeps
// hundreds of WebSocket clients heartbeating cannot wait in waitForReadyRead). The status is 0
// when nothing answered within the timeout. A probe still under way when `owner` goes is
// dropped with it, `done` never called.
namespace HttpProbe {
using Done = std::function<void(int status, const QByteArray &body)>;
void get(QObject *owner, quint16 port, const QByteArray &path, int timeoutMs, Done done);
// The value of one series ("presently_sessions", "x_total{reason=\"y\"}") in a Prometheus
// scrape; -1 when absent.
double series(const QByteArray &scrape, const QByteArray &name);
} // namespace HttpProbe
