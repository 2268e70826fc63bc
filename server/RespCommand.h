#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <charconv>

namespace presently {

// A Redis command in RESP, written argument by argument into one buffer: the presence tick
// sends hundreds of arguments per batch, and formatting each into its own QByteArray (then
// again in hiredis) was a sixth of a heartbeat's instructions.
class RespCommand {
public:
    RespCommand() = default;
    explicit RespCommand(const QList<QByteArray> &args)
    {
        reserve(16 * args.size());
        for (const QByteArray &a : args)
            arg(a);
    }

    void reserve(qsizetype bytes) { m_body.reserve(bytes); }

    RespCommand &arg(QByteArrayView a)
    {
        Digits digits;
        m_body.append('$');
        m_body.append(decimal(a.size(), digits));
        m_body.append("\r\n", 2);
        m_body.append(a);
        m_body.append("\r\n", 2);
        ++m_count;
        return *this;
    }

    RespCommand &arg(qint64 n)
    {
        Digits digits;
        return arg(decimal(n, digits));
    }

    qsizetype count() const { return m_count; }

    QByteArray toByteArray() const
    {
        Digits digits;
        QByteArray out;
        out.reserve(m_body.size() + 32);
        out.append('*');
        out.append(decimal(m_count, digits));
        out.append("\r\n", 2);
        out.append(m_body);
        return out;
    }

private:
    using Digits = char[24];
    static QByteArrayView decimal(qint64 n, Digits &digits)
    {
        const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
        return QByteArrayView(digits, end - digits);
    }

    QByteArray m_body;
    qsizetype m_count = 0;
};

} // namespace presently
