export const testIds = {} as const;
