import { ApiKeyEntity } from './api-key.entity.js';
import { TerminalBindingEntity } from './terminal-binding.entity.js';
import { TerminalEntity } from './terminal.entity.js';
import { UnitEntity } from './unit.entity.js';
import { UserEntity } from './user.entity.js';
import { VehicleEntity } from './vehicle.entity.js';

export * from './api-key.entity.js';
export * from './terminal-binding.entity.js';
export * from './terminal.entity.js';
export * from './unit.entity.js';
export * from './user.entity.js';
export * from './vehicle.entity.js';

export const ENTITIES = [UnitEntity, VehicleEntity, TerminalEntity, TerminalBindingEntity, UserEntity, ApiKeyEntity];
