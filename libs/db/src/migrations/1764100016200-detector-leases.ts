import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several detectors share the cars: each car belongs to one of DETECTOR_PARTITIONS partitions, and a detector
 * evaluates a partition only while it holds that partition's lease here. A lease runs out unless its holder
 * renews it, so the partitions of a detector that died are taken over by the others.
 *
 * Every take draws a new token from a sequence. A detector's commits call detector_leases_held with the tokens
 * it believes it holds: the call share-locks the lease rows until the commit, so no take-over happens while a
 * commit is under way (the taker skips those rows until its next try) and every commit after a take-over fails.
 * A detector that stalled past its lease therefore never writes over the work of the one that took its cars.
 */
export class DetectorLeases1764100016200 implements MigrationInterface {
  name = 'DetectorLeases1764100016200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE detector_lease_tokens`);
    await q.query(`
      CREATE TABLE detector_leases (
        partition int PRIMARY KEY CHECK (partition >= 0),
        -- The partition count the row belongs to: detectors with another DETECTOR_PARTITIONS take nothing.
        partitions int NOT NULL CHECK (partition < partitions),
        owner text,
        token bigint NOT NULL DEFAULT 0,
        expires_at timestamptz NOT NULL DEFAULT '-infinity',
        taken_at timestamptz
      )`);
    // The detectors alive (renewed within their lease time): each aims at an equal share of the partitions.
    await q.query(`
      CREATE TABLE detector_instances (
        owner text PRIMARY KEY,
        partitions int NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        seen_until timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE FUNCTION detector_leases_held(p_owner text, p_partitions int[], p_tokens bigint[]) RETURNS void
      LANGUAGE plpgsql AS $$
      DECLARE
        held int;
      BEGIN
        -- In partition order, like every statement that locks lease rows, so two never deadlock.
        SELECT count(*) INTO held FROM (
          SELECT 1 FROM detector_leases l
            JOIN unnest(p_partitions, p_tokens) AS h(partition, token)
              ON l.partition = h.partition AND l.token = h.token AND l.owner = p_owner
           ORDER BY l.partition
             FOR SHARE OF l) locked;
        IF held < cardinality(p_partitions) THEN
          RAISE EXCEPTION 'detector % no longer holds the lease of every partition in %', p_owner, p_partitions
            USING ERRCODE = 'OVL01';
        END IF;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION IF EXISTS detector_leases_held(text, int[], bigint[])');
    await q.query('DROP TABLE IF EXISTS detector_instances');
    await q.query('DROP TABLE IF EXISTS detector_leases');
    await q.query('DROP SEQUENCE IF EXISTS detector_lease_tokens');
  }
}
