// ChaCha20 against RFC 8439's test vectors: the quarter round (2.1.1), the
// block function (2.3.2 and the five block vectors of A.1), and the
// keystream over several blocks with a partial last one (2.4.2, the
// "sunscreen" text: ciphertext = plaintext XOR keystream).
#include <doctest/doctest.h>

#include <string.h>

#include <string>
#include <vector>

#include "lib/chacha20.h"

using namespace nyanos;

namespace {

std::vector<uint8_t> from_hex(const char* hex) {
    std::vector<uint8_t> out;
    auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (const char* p = hex; *p;) {
        if (*p == ' ') {
            ++p;
            continue;
        }
        REQUIRE(p[1]);
        out.push_back(uint8_t(nibble(p[0]) << 4 | nibble(p[1])));
        p += 2;
    }
    return out;
}

std::vector<uint8_t> key_00_to_1f() {
    std::vector<uint8_t> key(32);
    for (int i = 0; i < 32; ++i) key[i] = uint8_t(i);
    return key;
}

std::vector<uint8_t> block(const std::vector<uint8_t>& key, uint32_t counter,
                           const std::vector<uint8_t>& nonce) {
    REQUIRE(key.size() == kChaCha20KeyBytes);
    REQUIRE(nonce.size() == kChaCha20NonceBytes);
    std::vector<uint8_t> out(kChaCha20BlockBytes);
    chacha20_block(key.data(), counter, nonce.data(), out.data());
    return out;
}

}  // namespace

TEST_CASE("chacha20: quarter round (RFC 8439 2.1.1)") {
    uint32_t a = 0x11111111, b = 0x01020304, c = 0x9b8d6f43, d = 0x01234567;
    chacha20_quarter_round(a, b, c, d);
    CHECK(a == 0xea2a92f4);
    CHECK(b == 0xcb1cf8ce);
    CHECK(c == 0x4581472e);
    CHECK(d == 0x5881c4bb);
}

TEST_CASE("chacha20: block function (RFC 8439 2.3.2)") {
    auto out = block(key_00_to_1f(), 1, from_hex("000000090000004a00000000"));
    CHECK(out == from_hex("10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
                          "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e"));
}

TEST_CASE("chacha20: block test vectors (RFC 8439 A.1)") {
    const auto zero_key = std::vector<uint8_t>(32, 0);
    const auto zero_nonce = std::vector<uint8_t>(12, 0);
    SUBCASE("#1: zero key, zero nonce, counter 0") {
        CHECK(block(zero_key, 0, zero_nonce) ==
              from_hex("76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
                       "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586"));
    }
    SUBCASE("#2: counter 1") {
        CHECK(block(zero_key, 1, zero_nonce) ==
              from_hex("9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed"
                       "29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f"));
    }
    SUBCASE("#3: key ending in 01, counter 1") {
        auto key = zero_key;
        key[31] = 1;
        CHECK(block(key, 1, zero_nonce) ==
              from_hex("3aeb5224ecf849929b9d828db1ced4dd832025e8018b8160b82284f3c949aa5a"
                       "8eca00bbb4a73bdad192b5c42f73f2fd4e273644c8b36125a64addeb006c13a0"));
    }
    SUBCASE("#4: key 00 ff 00..., counter 2") {
        auto key = zero_key;
        key[1] = 0xff;
        CHECK(block(key, 2, zero_nonce) ==
              from_hex("72d54dfbf12ec44b362692df94137f328fea8da73990265ec1bbbea1ae9af0ca"
                       "13b25aa26cb4a648cb9b9d1be65b2c0924a66c54d545ec1b7374f4872e99f096"));
    }
    SUBCASE("#5: nonce ending in 02, counter 0") {
        auto nonce = zero_nonce;
        nonce[11] = 2;
        CHECK(block(zero_key, 0, nonce) ==
              from_hex("c2c64d378cd536374ae204b9ef933fcd1a8b2288b3dfa49672ab765b54ee27c7"
                       "8a970e0e955c14f3a88e741b97c286f75f8fc299e8148362fa198a39531bed6d"));
    }
}

TEST_CASE("chacha20: keystream over several blocks (RFC 8439 2.4.2)") {
    const std::string plaintext =
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
        "future, sunscreen would be it.";
    REQUIRE(plaintext.size() == 114);  // one block, one block, 50 bytes
    const auto expected = from_hex(
        "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
        "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
        "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
        "5af90bbf74a35be6b40b8eedf2785e42874d");
    const auto key = key_00_to_1f();
    const auto nonce = from_hex("000000000000004a00000000");
    std::vector<uint8_t> stream(plaintext.size(), 0xcc);
    chacha20_keystream(key.data(), 1, nonce.data(), stream.data(), stream.size());
    std::vector<uint8_t> ciphertext(plaintext.size());
    for (size_t i = 0; i < plaintext.size(); ++i) ciphertext[i] = uint8_t(plaintext[i]) ^ stream[i];
    CHECK(ciphertext == expected);

    SUBCASE("every length is a prefix of the same stream, and nothing past it is written") {
        for (size_t n = 0; n <= stream.size(); ++n) {
            std::vector<uint8_t> part(n + 8, 0xcc);
            chacha20_keystream(key.data(), 1, nonce.data(), part.data(), n);
            CHECK(memcmp(part.data(), stream.data(), n) == 0);
            for (size_t i = n; i < part.size(); ++i) CHECK(part[i] == 0xcc);
        }
    }
}

TEST_CASE("secure_zero: zeroes exactly the bytes asked") {
    uint8_t buf[40];
    memset(buf, 0xab, sizeof(buf));
    secure_zero(buf + 4, 32);
    for (int i = 0; i < 40; ++i) CHECK(buf[i] == ((i >= 4 && i < 36) ? 0 : 0xab));
}
