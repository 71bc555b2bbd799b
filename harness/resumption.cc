#include "harness/resumption.h"

#include "harness/gnutls_check.h"

namespace dirprobe {

ResumptionState::ResumptionState() {
  check_gnutls(gnutls_session_ticket_key_generate(&ticket_key_),
               "gnutls_session_ticket_key_generate");
  check_gnutls(gnutls_anti_replay_init(&anti_replay_), "gnutls_anti_replay_init");
  gnutls_anti_replay_set_add_function(anti_replay_, remember);
  gnutls_anti_replay_set_ptr(anti_replay_, this);
}

ResumptionState::~ResumptionState() {
  gnutls_anti_replay_deinit(anti_replay_);
  gnutls_memset(ticket_key_.data, 0, ticket_key_.size);
  gnutls_free(ticket_key_.data);
}

// The anti-replay store: a ticket's key seen before is a replay (GNUTLS_E_DB_ENTRY_EXISTS).
int ResumptionState::remember(void* self, time_t, const gnutls_datum_t* key,
                              const gnutls_datum_t*) {
  auto* state = static_cast<ResumptionState*>(self);
  std::string k(reinterpret_cast<const char*>(key->data), key->size);
  return state->seen_.insert(k).second ? 0 : GNUTLS_E_DB_ENTRY_EXISTS;
}

}  // namespace dirprobe
