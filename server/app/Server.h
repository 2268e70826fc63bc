#pragma once

#include "app/ServerConfig.h"

#include <QObject>
#include <memory>

namespace presently {

class AccountStore;
class EventBus;
class Gateway;
class MessageStore;
class PresenceStore;

// The composition root: the account store, the presence store and bus (embedded or Redis), and
// the gateway, built from a ServerConfig. Tests and main() use it alike.
class Server : public QObject {
    Q_OBJECT
public:
    explicit Server(const ServerConfig &config, QObject *parent = nullptr);
    ~Server() override;

    bool start(QString *error);
    QString listenAddress() const;
    Gateway *gateway() const { return m_gateway; }

    // Closes every client with 1001 (no offline shown), then emits stopped().
    void shutdown();

Q_SIGNALS:
    void stopped();

private:
    ServerConfig m_config;
    std::unique_ptr<AccountStore> m_accounts;
    std::unique_ptr<MessageStore> m_messages;
    PresenceStore *m_presence = nullptr;
    EventBus *m_bus = nullptr;
    Gateway *m_gateway = nullptr;
};

} // namespace presently
