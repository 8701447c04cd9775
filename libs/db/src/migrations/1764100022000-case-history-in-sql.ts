import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The detector's case history entry (`opened` / `violation_added` by `system:detector`) appended by the database,
 * in the statement that stores the violation, so that a cycle raising findings is one message. The function takes
 * the history's lock (HISTORY_LOCK of libs/history, 7340010), reads the chain's head with a snapshot taken after
 * the lock (a PL/pgSQL function declared VOLATILE takes one per statement), and hashes the entry exactly as
 * `entryHash` does: SHA-256 of the previous hash followed by the canonical JSON of the entry (keys sorted, no
 * spaces, the time in ISO 8601 with milliseconds). Every value it writes into that JSON is an identifier, a rule
 * name or a date, so `to_json` escapes it as JSON.stringify does. HistoryService.verify checks such entries like
 * any other.
 */
export class CaseHistoryInSql1764100022000 implements MigrationInterface {
  name = 'CaseHistoryInSql1764100022000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION history_append_case(case_id uuid, opened boolean, violation_id uuid, rule text, local_day text)
      RETURNS text LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        at timestamptz := date_trunc('milliseconds', clock_timestamp());
        action text := CASE WHEN opened THEN 'opened' ELSE 'violation_added' END;
        prev text;
        body text;
        entry_hash text;
      BEGIN
        PERFORM pg_advisory_xact_lock(7340010);
        SELECT h.hash INTO prev FROM history h ORDER BY h.seq DESC LIMIT 1;
        prev := coalesce(prev, repeat('0', 64));
        body := '{"action":' || to_json(action)::text
             || ',"actor":"system:detector","at":'
             || to_json(to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text
             || ',"data":{"localDay":' || to_json(local_day)::text
             || ',"rule":' || to_json(rule)::text
             || ',"violationId":' || to_json(violation_id::text)::text
             || '},"entityId":' || to_json(case_id::text)::text
             || ',"entityType":"case"}';
        entry_hash := encode(sha256(convert_to(prev || body, 'UTF8')), 'hex');
        INSERT INTO history (at, entity_type, entity_id, action, actor, data, prev_hash, hash)
        VALUES (at, 'case', case_id::text, action, 'system:detector',
                jsonb_build_object('violationId', violation_id::text, 'rule', rule, 'localDay', local_day),
                prev, entry_hash);
        RETURN entry_hash;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS history_append_case(uuid, boolean, uuid, text, text)`);
  }
}
