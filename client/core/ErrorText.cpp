#include "core/ErrorText.h"

#include <QCoreApplication>

namespace presently {

namespace {
QString tr(const char *text, int n = -1)
{
    return QCoreApplication::translate("ErrorText", text, nullptr, n);
}
} // namespace

QString ErrorText::contactRequest(ErrorCode code, const QString &user)
{
    switch (code) {
    case ErrorCode::NotFound:
        return tr("There is no user named %1, or no request from them any more.").arg(user);
    case ErrorCode::BadRequest:
        return tr("“%1” is not a user name you can add (2 to 32 of a-z, 0-9, dot, underscore, dash; not "
                  "yourself).")
            .arg(user);
    case ErrorCode::Forbidden:
        return tr("%1 cannot be added.").arg(user);
    default:
        return general(code);
    }
}

QString ErrorText::signIn(ErrorCode code, qint64 retryAfterMs)
{
    if (code == ErrorCode::RateLimited && retryAfterMs > 0) {
        const qint64 seconds = (retryAfterMs + 999) / 1000;
        return seconds > 90
                   ? tr("Too many failed sign-ins: please wait %n minute(s) before trying again.",
                        int((seconds + 59) / 60))
                   : tr("Too many failed sign-ins: please wait %n second(s) before trying again.", int(seconds));
    }
    switch (code) {
    case ErrorCode::AuthFailed:
        return tr("Wrong user name or password.");
    case ErrorCode::UserExists:
        return tr("That user name is taken.");
    case ErrorCode::Forbidden:
        return tr("This server creates accounts only with an invitation code from its admin (or not at all). "
                  "Enter the code and try again.");
    case ErrorCode::RateLimited:
        return tr("You are signed in on too many devices or windows at once: close one and try again.");
    case ErrorCode::BadRequest:
    case ErrorCode::TooLarge:
        return tr("The server did not accept that user name or password: user names are 2 to 32 of a-z, 0-9, "
                  "dot, underscore and dash; passwords are 8 to 1,024 characters.");
    default:
        return general(code);
    }
}

QString ErrorText::general(ErrorCode code)
{
    switch (code) {
    case ErrorCode::RateLimited:
        return tr("That was a lot at once: the server asks to slow down a little.");
    case ErrorCode::Unavailable:
        return tr("The server is busy or part of it is down; please try again in a moment.");
    case ErrorCode::TooLarge:
        return tr("That is longer than the server allows.");
    case ErrorCode::Forbidden:
        return tr("That is only possible with your contacts.");
    case ErrorCode::NotFound:
        return tr("That user or message does not exist (any more).");
    case ErrorCode::AuthFailed:
    case ErrorCode::NotAuthenticated:
        return tr("You are not signed in any more; please sign in again.");
    case ErrorCode::UserExists:
        return tr("That user name is taken.");
    case ErrorCode::BadJson:
    case ErrorCode::BadRequest:
    case ErrorCode::UnknownType:
        return tr("The server did not understand a request from this app; an update may help.");
    case ErrorCode::Internal:
        break;
    }
    return tr("Something went wrong on the server; please try again.");
}

} // namespace presently
