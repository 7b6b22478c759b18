import type { AccountRow, AccountsRepo } from '../db/accounts-repo.js';
import { ErrorCode } from '../domain/errors.js';
import { userError } from './user-error.js';

/**
 * The account a command names (`/pls account`, `/pls assign`): by id, or by a domain only one
 * account has. A domain several accounts share is refused with their ids (as `npm run forget`
 * does), rather than acting on whichever row came first.
 */
export async function accountByRef(accounts: AccountsRepo, ref: string): Promise<AccountRow | null> {
  const found = await accounts.findByRef(ref);
  if (found.length > 1) {
    const ids = found
      .slice(0, 5)
      .map((account) => account.id)
      .join('`, `');
    const more = found.length > 5 ? ', …' : '';
    throw userError(
      ErrorCode.AccountAmbiguous,
    )`\`${ref}\` is the domain of several accounts (\`${ids}\`${more}): give the account id.`;
  }
  return found[0] ?? null;
}
