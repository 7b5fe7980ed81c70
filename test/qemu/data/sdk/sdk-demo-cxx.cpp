// sdk-demo-cxx: the C++ half of the nyan-cc test (test/qemu/cases/sdk.py):
// a global constructor, new/delete, a virtual call and a template, built at
// test time by scripts/nyan-cc. sdk-demo-cxx STATUS prints what it computed
// and exits with STATUS.
#include <stdio.h>
#include <stdlib.h>

namespace {

int g_from_constructor = 0;

struct Registrar {
    Registrar() { g_from_constructor = 1234; }
};
Registrar g_registrar;

struct Animal {
    virtual ~Animal() = default;
    virtual int legs() const = 0;
};
struct Cat : Animal {
    int legs() const override { return 4; }
};
struct Bird : Animal {
    int legs() const override { return 2; }
};

template <typename T, int N>
T total(const T (&items)[N]) {
    T sum{};
    for (const T& item : items) sum += item;
    return sum;
}

}  // namespace

int main(int argc, char** argv) {
    Animal* zoo[] = {new Cat, new Bird, new Cat};
    int legs = 0;
    for (Animal* a : zoo) legs += a->legs();
    for (Animal* a : zoo) delete a;
    const int squares[] = {1, 4, 9, 16, 25};
    printf("sdk-demo-cxx: constructor=%d legs=%d squares=%d\n", g_from_constructor, legs,
           total(squares));
    return argc > 1 ? atoi(argv[1]) : 0;
}
