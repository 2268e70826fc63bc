#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <charconv>
#include <cstring>

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
        // One resize and plain copies: five appends per argument were most of the tick's cost.
        Digits digits;
        const QByteArrayView length = decimal(a.size(), digits);
        const qsizetype at = m_body.size();
        m_body.resize(at + 1 + length.size() + 2 + a.size() + 2);
        char *out = m_body.data() + at;
        *out++ = '$';
        std::memcpy(out, length.data(), size_t(length.size()));
        out += length.size();
        *out++ = '\r';
        *out++ = '\n';
        if (!a.isEmpty())
            std::memcpy(out, a.data(), size_t(a.size()));
        out += a.size();
        *out++ = '\r';
        *out = '\n';
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
