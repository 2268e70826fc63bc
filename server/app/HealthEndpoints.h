#pragma once

#include <QByteArray>

namespace presently {

class Readiness;

// What a load balancer and Prometheus ask a gateway over plain HTTP: GET /healthz (the process
// answers), /readyz (200 when it should get new clients, else 503 with the reason) and, on the
// admin address only, /metrics (the Prometheus text format).
class HealthEndpoints {
public:
    explicit HealthEndpoints(const Readiness &readiness)
        : m_readiness(readiness)
    {}

    // The whole HTTP response for `target`, or empty when it names none of these.
    QByteArray answer(const QByteArray &target, bool withMetrics) const;

private:
    const Readiness &m_readiness;
};

} // namespace presently
