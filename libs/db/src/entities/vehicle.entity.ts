import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { UnitEntity } from './unit.entity.js';

export const VEHICLE_CATEGORIES = [
  'confidential_comms',
  'emergency',
  'law_enforcement',
  'special_technical',
  'general',
] as const;
export type VehicleCategory = (typeof VEHICLE_CATEGORIES)[number];
export type VehicleStatus = 'active' | 'decommissioned';

@Entity('vehicles')
export class VehicleEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text', { name: 'plate_number' }) plateNumber: string;
  @Column('text', { name: 'plate_normalized' }) plateNormalized: string;
  @Column('text') category: VehicleCategory;
  @Column('uuid', { name: 'unit_id' }) unitId: string;
  @ManyToOne(() => UnitEntity) @JoinColumn({ name: 'unit_id' }) unit?: UnitEntity;
  @Column('text') status: VehicleStatus;
  @Column('date', { name: 'commissioned_on' }) commissionedOn: string;
  @Column('date', { name: 'decommissioned_on', nullable: true }) decommissionedOn: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
