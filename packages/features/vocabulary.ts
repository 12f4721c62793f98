/**
 * The categorical values a listing may carry, shared by clean (rows outside them are
 * quarantined), predict (requests outside them get a 422) and the features' integer codes.
 * Names are spelled as the realtor dataset spells them. Codes are positions in these lists,
 * so append only: reordering would silently change what a trained model's splits mean.
 */
export const STATES = [
  'Alabama', 'Alaska', 'Arizona', 'Arkansas', 'California', 'Colorado', 'Connecticut', 'Delaware',
  'District of Columbia', 'Florida', 'Georgia', 'Hawaii', 'Idaho', 'Illinois', 'Indiana', 'Iowa',
  'Kansas', 'Kentucky', 'Louisiana', 'Maine', 'Maryland', 'Massachusetts', 'Michigan', 'Minnesota',
  'Mississippi', 'Missouri', 'Montana', 'Nebraska', 'Nevada', 'New Hampshire', 'New Jersey',
  'New Mexico', 'New York', 'North Carolina', 'North Dakota', 'Ohio', 'Oklahoma', 'Oregon',
  'Pennsylvania', 'Rhode Island', 'South Carolina', 'South Dakota', 'Tennessee', 'Texas', 'Utah',
  'Vermont', 'Virginia', 'Washington', 'West Virginia', 'Wisconsin', 'Wyoming', 'Puerto Rico',
  'Virgin Islands', 'Guam', 'New Brunswick',
] as const;

export const STATUSES = ['for_sale', 'sold', 'ready_to_build'] as const;

export type State = (typeof STATES)[number];
export type Status = (typeof STATUSES)[number];

const STATE_CODES = new Map<string, number>(STATES.map((s, i) => [s, i]));
const STATUS_CODES = new Map<string, number>(STATUSES.map((s, i) => [s, i]));

export function stateCode(state: string): number | undefined {
  return STATE_CODES.get(state);
}

export function statusCode(status: string): number | undefined {
  return STATUS_CODES.get(status);
}
