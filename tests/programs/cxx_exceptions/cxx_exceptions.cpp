// C++ exceptions through Wasm exception handling (clang -fwasm-exceptions).
// Built and checked by build.sh beside this file; the expected stdout is
// expected/<mode>.stdout (the same for the native build and the wasm build).
//
//   (no argument)  throw through 10 frames, catch by type, rethrow, destructors
//   terminate      a DeepError unwinds 3 frames into `catch (...) { std::terminate(); }`:
//                  the terminate handler prints its type and what(), then aborts
//   noexcept       a DeepError leaves a noexcept function: std::terminate, abort
//   escape         a DeepError leaves main: natively std::terminate; in Wasm the
//                  exception leaves _start uncaught, for the host to report
// See README.md for what each prints natively and in Wasm.
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>

static int live = 0;  // Guards alive right now

struct Guard {
  int depth;
  explicit Guard(int d) : depth(d) { ++live; }
  ~Guard() {
    --live;
    std::printf("  ~Guard(%d) unwinding=%d\n", depth, std::uncaught_exceptions());
  }
};

class DeepError : public std::exception {
 public:
  DeepError(int depth, int code) : depth_(depth), code_(code) {
    std::snprintf(msg_, sizeof msg_, "DeepError at depth %d (code %d)", depth, code);
  }
  const char* what() const noexcept override { return msg_; }
  int depth() const { return depth_; }
  int code() const { return code_; }

 private:
  int depth_, code_;
  char msg_[64];
};

// Recurses to `max` with a Guard in every frame, then throws the kind asked for.
[[gnu::noinline]] int recurse(int depth, int max, int kind) {
  Guard g(depth);
  if (depth == max) {
    switch (kind) {
      case 0: throw DeepError(depth, 42);
      case 1: throw depth * 100 + 7;
      case 2: throw std::runtime_error("runtime failure at the bottom");
      case 3: throw std::out_of_range("index out of range");  // a logic_error
      default: throw 'x';  // a char: only catch (...) takes it
    }
  }
  return recurse(depth + 1, max, kind) + 1;
}

// Several handlers: the first whose type matches is the one that runs.
static const char* classify(int kind) {
  try {
    std::printf("not reached: %d\n", recurse(1, 10, kind));
  } catch (const DeepError& e) {
    std::printf("caught DeepError: %s, depth %d, code %d\n", e.what(), e.depth(), e.code());
    return "DeepError";
  } catch (int v) {
    std::printf("caught int: %d\n", v);
    return "int";
  } catch (const std::runtime_error& e) {
    std::printf("caught std::runtime_error: %s\n", e.what());
    return "runtime_error";
  } catch (const std::exception& e) {
    std::printf("caught std::exception: %s\n", e.what());
    return "exception";
  } catch (...) {
    std::printf("caught (...)\n");
    return "...";
  }
  return "none";
}

static const void* inner_seen = nullptr;

// Catches, then rethrows the same object with `throw;` past its own Guard.
[[gnu::noinline]] static void rethrower() {
  Guard g(100);
  try {
    recurse(1, 3, 2);
  } catch (std::runtime_error& e) {
    inner_seen = &e;
    std::printf("inner handler: %s; rethrowing\n", e.what());
    throw;
  }
}

// A handler that throws a new exception of another type while one is caught.
[[gnu::noinline]] static void translate() {
  try {
    recurse(1, 2, 1);
  } catch (int v) {
    std::printf("translate: int %d becomes DeepError\n", v);
    throw DeepError(-1, v);
  }
}

[[noreturn]] [[gnu::noinline]] static void throw_uncaught(int depth) {
  if (depth == 0) throw DeepError(0, 99);
  throw_uncaught(depth - 1);
  __builtin_unreachable();
}

// An exception leaving a noexcept function calls std::terminate.
static void run_noexcept() noexcept { throw_uncaught(3); }

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  if (*mode) {
    std::setvbuf(stdout, nullptr, _IONBF, 0);  // abort() flushes nothing
    std::printf("%s mode\n", mode);
    if (std::strcmp(mode, "terminate") == 0) {
      try {
        recurse(1, 3, 0);
      } catch (...) {
        std::terminate();
      }
    } else if (std::strcmp(mode, "noexcept") == 0) {
      run_noexcept();
    } else if (std::strcmp(mode, "escape") == 0) {
      throw_uncaught(3);
    }
    std::printf("unknown mode\n");
    return 2;
  }

  int failures = 0;
  const char* want[] = {"DeepError", "int", "runtime_error", "exception", "..."};
  for (int kind = 0; kind < 5; ++kind) {
    std::printf("-- kind %d\n", kind);
    const char* got = classify(kind);
    bool ok = std::strcmp(got, want[kind]) == 0 && live == 0;
    std::printf("kind %d: handler %s, live guards %d: %s\n", kind, got, live, ok ? "ok" : "WRONG");
    failures += !ok;
  }

  std::printf("-- rethrow\n");
  try {
    rethrower();
  } catch (const std::exception& e) {
    bool same = &e == inner_seen;
    std::printf("outer handler: %s; same object: %s\n", e.what(), same ? "yes" : "no");
    failures += !same;
  }

  std::printf("-- throw from a handler\n");
  try {
    translate();
  } catch (const DeepError& e) {
    std::printf("caught %s\n", e.what());
    failures += e.code() != 207;
  }

  std::printf("-- after all: live guards %d, uncaught exceptions %d\n", live,
              std::uncaught_exceptions());
  failures += live != 0 || std::uncaught_exceptions() != 0;
  std::printf("%s (%d failures)\n", failures == 0 ? "PASS" : "FAIL", failures);
  return failures == 0 ? 0 : 1;
}
