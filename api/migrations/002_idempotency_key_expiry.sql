-- Idempotency keys always resolve (issue 10):
-- * created_at is when the request now holding the key started. A key is forgotten a
--   time to live after it (IDEMPOTENCY_KEY_TTL, 24 h): a new request takes it over, and
--   each new key deletes a few expired ones (the index below finds them). A key still in
--   progress a lease after it (IDEMPOTENCY_KEY_LEASE, 1 min: its process died) may be
--   taken over by a repeat of the same request.
-- * owner is the attempt holding the key: only it completes or releases the key, so an
--   attempt that outlived its lease cannot overwrite or drop its successor's response.
-- * principal now holds the principal's stable identity (a consumer's id, a restaurant's
--   id, an admin's subject) and request_hash a fingerprint of method, path, content type
--   and body. The keys kept before have the old scope and fingerprint and would refuse
--   their own retries, so they are dropped: such a retry runs again, which the ids that
--   handlers derive from the key make safe.
delete from api_idempotency_keys;
alter table api_idempotency_keys add column owner uuid;
create index api_idempotency_keys_created_at on api_idempotency_keys (created_at);
