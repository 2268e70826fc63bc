#pragma once

#include <QString>
#include <optional>
#include <utility>

namespace presently {

// Why a store could not answer: the database failed (locked past the retries, disk full, gone).
// A request that gets one is answered `unavailable`; the store logged the detail.
struct StoreError {
    QString message;
};

// A store's answer: a value, or the StoreError that kept it from one. The one way the stores
// report failure (in the spirit of lib_base's base::expected): no sticky flags, no empty values
// that mean "failed".
template <typename T> class StoreResult {
public:
    StoreResult(T value)
        : m_value(std::move(value))
    {}
    StoreResult(StoreError error)
        : m_error(std::move(error))
    {}

    bool ok() const { return m_value.has_value(); }
    explicit operator bool() const { return ok(); }
    // Only when ok().
    const T &value() const { return *m_value; }
    const T &operator*() const { return *m_value; }
    const T *operator->() const { return &*m_value; }
    // Only when !ok().
    const StoreError &error() const { return *m_error; }

private:
    std::optional<T> m_value;
    std::optional<StoreError> m_error;
};

// A store's answer with no value: done, or why not.
template <> class StoreResult<void> {
public:
    StoreResult() = default;
    StoreResult(StoreError error)
        : m_error(std::move(error))
    {}

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const StoreError &error() const { return *m_error; }

private:
    std::optional<StoreError> m_error;
};

} // namespace presently
