#pragma once

#include <QByteArray>
#include <QString>
#include <optional>
#include <variant>

namespace presently {

// What one gateway tells a user's live sessions, wherever they are connected. SQL holds the
// truth: these only say what to look at again.
namespace UserEvents {

// The user's contacts, requests or pending requests changed: reload them. `bySession` made the
// change and has reloaded already.
struct ContactsChanged {
    QString bySession;
};
// `from` asked to become a contact.
struct ContactRequest {
    QString from;
    QString to;
    qint64 ts = 0;
    QString bySession; // the session that asked (told already)
};
// A message to or from the user was committed with this mid: deliver up to it.
struct MessageStored {
    qint64 mid = 0;
};
// `from` has read the conversation with `with` up to `mid` (`bySession` already knows).
struct ReadMoved {
    QString from;
    QString with;
    qint64 mid = 0;
    QString bySession;
};
// Relayed at once, never stored.
struct Typing {
    QString from;
    bool state = false;
};
// Tokens of the user were revoked: the one whose digest is `digest` (logout), or every one but
// it (`allBut`: logout_all with an empty digest, change_password keeping the changer's). Sessions
// signed in with a revoked token end.
struct TokensRevoked {
    QString digest;
    bool allBut = false;
};
// The bus may have lost events (its connection was cut): catch up on everything from SQL.
struct CatchUp {};

} // namespace UserEvents

using UserEvent =
    std::variant<UserEvents::ContactsChanged, UserEvents::ContactRequest, UserEvents::MessageStored,
                 UserEvents::ReadMoved, UserEvents::Typing, UserEvents::TokensRevoked, UserEvents::CatchUp>;

// The one wire form of events between gateways (JSON with a "kind"; the fields are those every
// gateway version reads, so a fleet can be upgraded one gateway at a time). CatchUp is local to
// a gateway and never encoded.
namespace UserEventCodec {
QByteArray encode(const UserEvent &event);
std::optional<UserEvent> decode(const QByteArray &json);
} // namespace UserEventCodec

} // namespace presently
