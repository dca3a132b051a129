import { errorResponse, updateSettingsBody, userSettings } from '@workcell/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { callerOf, requireCaller } from '../auth/plugin';
import type { SettingsService } from './service';

const tags = ['users'];

/** `/api/users/me/settings`: the signed-in user's editor settings. */
export const settingsRoutes: FastifyPluginAsyncZod<{ settings: SettingsService }> = async (
  app,
  { settings },
) => {
  requireCaller(app);

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: "The signed-in user's editor settings (the defaults for what was never set)",
        response: { 200: userSettings, 401: errorResponse },
      },
    },
    async (request) => settings.get(callerOf(request).id),
  );

  app.patch(
    '/',
    {
      schema: {
        tags,
        summary:
          'Change some settings; the others keep their values. Answers with all the settings. An invalid value changes nothing.',
        body: updateSettingsBody,
        response: { 200: userSettings, 400: errorResponse, 401: errorResponse },
      },
    },
    async (request) => settings.update(callerOf(request).id, request.body),
  );
};
