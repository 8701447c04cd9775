import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One period in which a terminal sat in a car; `validTo` is the last day (inclusive), null while open. */
@Entity('terminal_bindings')
export class TerminalBindingEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'vehicle_id' }) vehicleId: string;
  @Column('text', { name: 'terminal_id' }) terminalId: string;
  @Column('date', { name: 'valid_from' }) validFrom: string;
  @Column('date', { name: 'valid_to', nullable: true }) validTo: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
