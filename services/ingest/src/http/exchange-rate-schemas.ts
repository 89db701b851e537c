import { z } from 'zod';

/** The query of `PUT /v1/exchange-rates`. */
export const exchangeRatesLoadQuery = z
  .object({
    unknown_currencies: z
      .enum(['refuse', 'skip'])
      .default('refuse')
      .describe("skip: leave out codes the current ISO 4217 list lacks (the ECB's history file still has CYP, HRK, ...) and list them; refuse (default): refuse the file."),
  })
  .strict();

export const exchangeRatesLoadedView = z.object({
  dates: z.number().int().describe('Dates in the file.'),
  first_date: z.iso.date(),
  last_date: z.iso.date(),
  inserted: z.number().int().describe('Rates new to the table.'),
  updated: z.number().int().describe('Rates that changed (a corrected publication).'),
  unchanged: z.number().int().describe('Rates already held: loading the same file again leaves all unchanged.'),
  skipped: z.array(z.object({ currency: z.string(), dates: z.number().int() })).describe('With unknown_currencies=skip: the codes left out.'),
});

/** The query of `GET /v1/exchange-rates`. */
export const exchangeRatesQuery = z.object({ date: z.iso.date().describe('A calendar date, YYYY-MM-DD.') }).strict();

export const exchangeRatesView = z.object({
  date: z.iso.date().describe('The date asked for.'),
  rate_date: z.iso.date().describe('The publication in force then: the newest on or before `date`.'),
  base: z.literal('EUR'),
  rates: z
    .array(
      z.object({
        currency: z.string().describe('ISO 4217 code.'),
        rate: z.string().describe('Units of the currency for one euro, the exact decimal published.'),
        source: z.string().describe("Where it was loaded from: 'api', 'file:<path>' or 'url:<url>'."),
        loaded_at: z.iso.datetime(),
      }),
    )
    .describe('By currency code.'),
});
