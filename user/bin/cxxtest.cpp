// cxxtest: checks that C++ works in user space: a global constructor (run by
// crt0 through .init_array), new/delete, virtual calls, templates, lambdas.
// Prints "cxxtest ok" and exits 0, or "cxxtest FAILED: ..." and 1.
#include <stdio.h>
#include <string.h>

namespace {

int g_constructed = 0;

struct Global {
    Global() { g_constructed = 42; }
};
Global g_global;

struct Shape {
    virtual ~Shape() = default;
    virtual int area() const = 0;
};
struct Square : Shape {
    explicit Square(int s) : side(s) {}
    int area() const override { return side * side; }
    int side;
};

template <typename T>
T sum(const T* items, int n) {
    T total{};
    for (int i = 0; i < n; ++i) total += items[i];
    return total;
}

int fail(const char* why) {
    printf("cxxtest FAILED: %s\n", why);
    return 1;
}

}  // namespace

int main() {
    if (g_constructed != 42) return fail("global constructor did not run");
    Shape* s = new Square(7);
    int area = s->area();
    delete s;
    if (area != 49) return fail("virtual call");
    int* arr = new int[100];
    for (int i = 0; i < 100; ++i) arr[i] = i;
    long total = sum(arr, 100);
    delete[] arr;
    if (total != 4950) return fail("new[] / template");
    auto twice = [](int x) { return 2 * x; };
    if (twice(21) != 42) return fail("lambda");
    puts("cxxtest ok");
    return 0;
}
