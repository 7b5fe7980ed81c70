// Errors are values. Result<T> holds either a T or an Error; TRY() propagates
// the error to the caller and otherwise yields the value.
//
// Shared by the kernel, both boot loaders and the host tests, so it needs
// nothing but freestanding headers.
#pragma once

#include <stdint.h>

#include <new>
#include <type_traits>
#include <utility>

namespace nyanos {

// Values are Linux errno numbers, so a syscall can return -static_cast<int>(e).
enum class Error : int32_t {
    kPermission = 1,         // EPERM
    kNoEntry = 2,            // ENOENT
    kNoProcess = 3,          // ESRCH
    kInterrupted = 4,        // EINTR
    kIo = 5,                 // EIO
    kNoDeviceOrAddress = 6,  // ENXIO
    kArgListTooBig = 7,      // E2BIG
    kNotExecutable = 8,      // ENOEXEC
    kBadFd = 9,              // EBADF
    kNoChild = 10,           // ECHILD
    kAgain = 11,             // EAGAIN
    kNoMemory = 12,          // ENOMEM
    kAccess = 13,            // EACCES
    kFault = 14,             // EFAULT
    kBusy = 16,              // EBUSY
    kExists = 17,            // EEXIST
    kCrossDevice = 18,       // EXDEV
    kNoDevice = 19,          // ENODEV
    kNotDirectory = 20,      // ENOTDIR
    kIsDirectory = 21,       // EISDIR
    kInvalid = 22,           // EINVAL
    kTooManyFiles = 24,      // EMFILE
    kNotTty = 25,            // ENOTTY
    kTextBusy = 26,          // ETXTBSY
    kFileTooBig = 27,        // EFBIG
    kNoSpace = 28,           // ENOSPC
    kIllegalSeek = 29,       // ESPIPE
    kReadOnlyFs = 30,        // EROFS
    kTooManyLinks = 31,      // EMLINK
    kBrokenPipe = 32,        // EPIPE
    kDomain = 33,            // EDOM
    kRange = 34,             // ERANGE
    kDeadlock = 35,          // EDEADLK
    kNameTooLong = 36,       // ENAMETOOLONG
    kNoSys = 38,             // ENOSYS
    kNotEmpty = 39,          // ENOTEMPTY
    kLoop = 40,              // ELOOP
    kOverflow = 75,          // EOVERFLOW
    // Sockets (fs/unix_socket.h).
    kNotSocket = 88,               // ENOTSOCK
    kDestinationRequired = 89,     // EDESTADDRREQ
    kMessageSize = 90,             // EMSGSIZE
    kProtocolType = 91,            // EPROTOTYPE
    kNoProtocolOption = 92,        // ENOPROTOOPT
    kProtocolNotSupported = 93,    // EPROTONOSUPPORT
    kSocketTypeNotSupported = 94,  // ESOCKTNOSUPPORT
    kNotSupported = 95,            // EOPNOTSUPP
    kFamilyNotSupported = 97,      // EAFNOSUPPORT
    kAddressInUse = 98,            // EADDRINUSE
    kConnectionReset = 104,        // ECONNRESET
    kNoBufferSpace = 105,          // ENOBUFS
    kIsConnected = 106,            // EISCONN
    kNotConnected = 107,           // ENOTCONN
    kConnectionRefused = 111,      // ECONNREFUSED
    kTimedOut = 110,               // ETIMEDOUT
    kCorrupt = 117,                // EUCLEAN: a structure failed its integrity checks
    // A blocking call interrupted by a signal, never seen by user space:
    // the return to user mode turns it into EINTR, or restarts the call
    // (Linux's ERESTARTSYS: restarted when the handler has SA_RESTART or
    // no handler runs; ERESTARTNOHAND: restarted only when no handler runs).
    kRestartSys = 512,
    kRestartNoHand = 514,
};

// A short lowercase name ("ENOMEM"), never null.
constexpr const char* error_name(Error e) {
    switch (e) {
        case Error::kPermission:
            return "EPERM";
        case Error::kNoEntry:
            return "ENOENT";
        case Error::kNoProcess:
            return "ESRCH";
        case Error::kInterrupted:
            return "EINTR";
        case Error::kIo:
            return "EIO";
        case Error::kNoDeviceOrAddress:
            return "ENXIO";
        case Error::kArgListTooBig:
            return "E2BIG";
        case Error::kNotExecutable:
            return "ENOEXEC";
        case Error::kBadFd:
            return "EBADF";
        case Error::kNoChild:
            return "ECHILD";
        case Error::kAgain:
            return "EAGAIN";
        case Error::kNoMemory:
            return "ENOMEM";
        case Error::kAccess:
            return "EACCES";
        case Error::kFault:
            return "EFAULT";
        case Error::kBusy:
            return "EBUSY";
        case Error::kExists:
            return "EEXIST";
        case Error::kNoDevice:
            return "ENODEV";
        case Error::kNotDirectory:
            return "ENOTDIR";
        case Error::kIsDirectory:
            return "EISDIR";
        case Error::kInvalid:
            return "EINVAL";
        case Error::kTooManyFiles:
            return "EMFILE";
        case Error::kDomain:
            return "EDOM";
        case Error::kRange:
            return "ERANGE";
        case Error::kDeadlock:
            return "EDEADLK";
        case Error::kNameTooLong:
            return "ENAMETOOLONG";
        case Error::kNoSys:
            return "ENOSYS";
        case Error::kCrossDevice:
            return "EXDEV";
        case Error::kNotSocket:
            return "ENOTSOCK";
        case Error::kDestinationRequired:
            return "EDESTADDRREQ";
        case Error::kMessageSize:
            return "EMSGSIZE";
        case Error::kProtocolType:
            return "EPROTOTYPE";
        case Error::kNoProtocolOption:
            return "ENOPROTOOPT";
        case Error::kProtocolNotSupported:
            return "EPROTONOSUPPORT";
        case Error::kSocketTypeNotSupported:
            return "ESOCKTNOSUPPORT";
        case Error::kFamilyNotSupported:
            return "EAFNOSUPPORT";
        case Error::kAddressInUse:
            return "EADDRINUSE";
        case Error::kConnectionReset:
            return "ECONNRESET";
        case Error::kNoBufferSpace:
            return "ENOBUFS";
        case Error::kIsConnected:
            return "EISCONN";
        case Error::kNotConnected:
            return "ENOTCONN";
        case Error::kConnectionRefused:
            return "ECONNREFUSED";
        case Error::kTextBusy:
            return "ETXTBSY";
        case Error::kFileTooBig:
            return "EFBIG";
        case Error::kTooManyLinks:
            return "EMLINK";
        case Error::kNotEmpty:
            return "ENOTEMPTY";
        case Error::kLoop:
            return "ELOOP";
        case Error::kNotSupported:
            return "EOPNOTSUPP";
        case Error::kTimedOut:
            return "ETIMEDOUT";
        case Error::kOverflow:
            return "EOVERFLOW";
        case Error::kCorrupt:
            return "EUCLEAN";
        case Error::kNotTty:
            return "ENOTTY";
        case Error::kNoSpace:
            return "ENOSPC";
        case Error::kIllegalSeek:
            return "ESPIPE";
        case Error::kReadOnlyFs:
            return "EROFS";
        case Error::kBrokenPipe:
            return "EPIPE";
        case Error::kRestartSys:
            return "ERESTARTSYS";
        case Error::kRestartNoHand:
            return "ERESTARTNOHAND";
    }
    return "E?";
}

template <typename T>
class [[nodiscard]] Result {
public:
    Result(const T& value) : m_ok(true) { new (&m_storage) T(value); }
    Result(T&& value) : m_ok(true) { new (&m_storage) T(std::move(value)); }
    Result(Error error) : m_ok(false), m_error(error) {}

    Result(Result&& other) : m_ok(other.m_ok), m_error(other.m_error) {
        if (m_ok) new (&m_storage) T(std::move(other.value()));
    }
    Result(const Result&) = delete;
    Result& operator=(const Result&) = delete;
    Result& operator=(Result&&) = delete;
    ~Result() {
        if (m_ok) value().~T();
    }

    bool ok() const { return m_ok; }
    Error error() const { return m_error; }

    T& value() { return *std::launder(reinterpret_cast<T*>(&m_storage)); }
    const T& value() const { return *std::launder(reinterpret_cast<const T*>(&m_storage)); }
    // Moves the value out; the Result must be ok().
    T release_value() { return std::move(value()); }

private:
    bool m_ok;
    Error m_error{};
    alignas(T) unsigned char m_storage[sizeof(T)];
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() : m_ok(true) {}
    Result(Error error) : m_ok(false), m_error(error) {}

    bool ok() const { return m_ok; }
    Error error() const { return m_error; }
    void release_value() {}

private:
    bool m_ok;
    Error m_error{};
};

}  // namespace nyanos

// Evaluates a Result-returning expression; on error returns that error from
// the enclosing function, otherwise the expression's value is the result.
// (A GNU statement expression: g++ and clang both accept it.)
#define TRY(expr)                              \
    ({                                         \
        auto _nyanos_try_result = (expr);      \
        if (!_nyanos_try_result.ok()) {        \
            return _nyanos_try_result.error(); \
        }                                      \
        _nyanos_try_result.release_value();    \
    })
