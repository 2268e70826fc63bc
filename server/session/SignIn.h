#pragma once

namespace presently {

class Session;
struct ClientMessage;

// hello and register: a token is checked at once; a password is hashed or verified on the thread
// pool while the session's later frames wait. Success makes the session live, failure refuses it.
class SignIn {
public:
    explicit SignIn(Session &session);

    void start(const ClientMessage &message);

private:
    void withToken(const ClientMessage &message);
    void withPassword(const ClientMessage &message);
    void registerUser(const ClientMessage &message);

    Session &m_session;
};

} // namespace presently
