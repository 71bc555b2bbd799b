// One RAII idiom for every C handle of GnuTLS and OpenSSL: UniquePtr<T> frees T with the
// library's own destructor.
#pragma once

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <type_traits>

namespace dirprobe {

template <typename T>
struct Deleter;

#define DIRPROBE_DELETER(type, fn)                     \
  template <>                                          \
  struct Deleter<type> {                               \
    void operator()(type* p) const noexcept { fn(p); } \
  }

// GnuTLS handles are pointers to opaque structs; the deleter takes the pointer.
DIRPROBE_DELETER(gnutls_session_int, gnutls_deinit);
DIRPROBE_DELETER(gnutls_certificate_credentials_st, gnutls_certificate_free_credentials);
DIRPROBE_DELETER(gnutls_x509_crt_int, gnutls_x509_crt_deinit);
DIRPROBE_DELETER(gnutls_x509_privkey_int, gnutls_x509_privkey_deinit);
DIRPROBE_DELETER(SSL, SSL_free);
DIRPROBE_DELETER(SSL_CTX, SSL_CTX_free);
DIRPROBE_DELETER(BIO, BIO_free);
DIRPROBE_DELETER(BIO_METHOD, BIO_meth_free);
DIRPROBE_DELETER(EVP_PKEY, EVP_PKEY_free);
DIRPROBE_DELETER(X509, X509_free);
DIRPROBE_DELETER(SSL_SESSION, SSL_SESSION_free);
DIRPROBE_DELETER(EVP_CIPHER, EVP_CIPHER_free);
DIRPROBE_DELETER(EVP_CIPHER_CTX, EVP_CIPHER_CTX_free);
DIRPROBE_DELETER(EVP_KDF, EVP_KDF_free);
DIRPROBE_DELETER(EVP_KDF_CTX, EVP_KDF_CTX_free);

#undef DIRPROBE_DELETER

template <typename T>
using UniquePtr = std::unique_ptr<T, Deleter<T>>;

// The GnuTLS typedefs are pointers; this names the pointee so UniquePtr works on them.
template <typename Handle>
using GnutlsPtr = UniquePtr<std::remove_pointer_t<Handle>>;

}  // namespace dirprobe
