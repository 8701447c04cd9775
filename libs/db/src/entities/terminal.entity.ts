import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('terminals')
export class TerminalEntity {
  @PrimaryColumn('text', { name: 'terminal_id' }) terminalId: string;
  @Column('text', { name: 'secret_hash', select: false }) secretHash: string;
  @Column('text', { nullable: true }) model: string | null;
  @Column('boolean') active: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
