#pragma once

#include "app/ServerConfig.h"

#include <QObject>
#include <memory>

namespace presently {

class AccountStore;
class EventBus;
class Listener;
class MessageStore;
class PresenceHub;
class PresenceStore;
class RedisLink;
class SessionRegistry;
class SqlThread;

// The composition root: the stores, the presence store and bus (embedded or on one Redis link),
// the session registry and the listener, built from a ServerConfig. Tests and main() use it alike.
class Server : public QObject {
    Q_OBJECT
public:
    explicit Server(const ServerConfig &config, QObject *parent = nullptr);
    ~Server() override;

    bool start(QString *error);
    QString listenAddress() const;

    // Closes every client with 1001 (no offline shown), then emits stopped().
    void shutdown();

Q_SIGNALS:
    void stopped();

private:
    ServerConfig m_config;
    std::unique_ptr<AccountStore> m_accounts;
    std::unique_ptr<MessageStore> m_messages;
    SqlThread *m_sqlThread = nullptr;
    // Made, used and destroyed on m_sqlThread.
    std::unique_ptr<AccountStore> m_sqlThreadAccounts;
    std::unique_ptr<MessageStore> m_sqlThreadMessages;
    RedisLink *m_redis = nullptr;
    PresenceStore *m_presence = nullptr;
    EventBus *m_bus = nullptr;
    PresenceHub *m_hub = nullptr;
    SessionRegistry *m_sessions = nullptr;
    Listener *m_listener = nullptr;
};

} // namespace presently
