#pragma once

namespace presently {

class Session;
struct ClientMessage;

// heartbeat, set_status, query, subscribe and unsubscribe. Presence is private: only the user
// and their contacts are answered or pushed; anyone else is `unknown`.
class PresenceRequests {
public:
    explicit PresenceRequests(Session &session);

    void heartbeat(const ClientMessage &message);
    void setStatus(const ClientMessage &message);
    void watchOrQuery(const ClientMessage &message);

private:
    Session &m_session;
};

} // namespace presently
