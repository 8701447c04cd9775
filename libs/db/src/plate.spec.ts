import { isValidPlate, normalizePlate } from './plate.js';

describe('plate normalisation', () => {
  it.each([
    ['苏N·A1234', '苏NA1234'],
    ['苏n a1234', '苏NA1234'],
    ['苏N-A1234', '苏NA1234'],
    [' 苏N A 1234 ', '苏NA1234'],
    ['苏N•A1234', '苏NA1234'],
    ['苏N・A123警', '苏NA123警'],
  ])('normalises %j to %s', (plate, normalized) => {
    expect(normalizePlate(plate)).toBe(normalized);
  });

  it.each(['苏N·A1234', '苏NA12345', '苏N·A123警', '苏n-d12345'])('accepts %j', (plate) => {
    expect(isValidPlate(plate)).toBe(true);
  });

  it.each([
    ['no province character', 'NA1234'],
    ['too short', '苏N·A12'],
    ['too long', '苏N·A123456'],
    ['the letter O, which plates never use', '苏N·O1234'],
    ['a digit as issuing-office letter', '苏1·A1234'],
    ['empty', ''],
  ])('refuses a plate with %s (%j)', (_why, plate) => {
    expect(isValidPlate(plate)).toBe(false);
  });
});
