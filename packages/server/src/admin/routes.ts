/**
 * The admin API: `GET /api/users/` and everything under `/api/admin/`, for administrators
 * only (401 without a session, 403 ADMIN_ONLY for anyone else, before validation).
 */
import {
  adminCellList,
  adminUserAction,
  adminUserList,
  adminUserQuery,
  adminWorkspaceList,
  adminWorkspaceQuery,
  auditLog,
  auditQuery,
  egressRefusalList,
  errorResponse,
  stopCellReply,
} from '@workcell/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';

import { requireCaller } from '../auth/plugin';
import type { AuthService } from '../auth/service';
import type { CellManager } from '../cells/manager';
import type { Db } from '../store/database';
import { adminOf, requireAdmin } from './access';
import { readAuditLog } from './audit';
import { recentEgressRefusals } from './egress-refusals';
import { actOnUser, listUsers } from './users';
import { listWorkspaces, runningCells, stopCell } from './workspaces';

interface Options {
  db: Db;
  auth: AuthService;
  cells: CellManager;
}

const tags = ['admin'];
const denied = { 401: errorResponse, 403: errorResponse };

/** `GET /api/users/`: registered under the users prefix, beside the user's own routes. */
export const userListRoute: FastifyPluginAsyncZod<Options> = async (app, { db, auth }) => {
  requireCaller(app);
  requireAdmin(app);
  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Users, by username, with their storage, workspaces and last sign-in (admins)',
        querystring: adminUserQuery,
        response: { 200: adminUserList, 400: errorResponse, ...denied },
      },
    },
    async (request) => listUsers(db, auth, request.query),
  );
};

export const adminRoutes: FastifyPluginAsyncZod<Options> = async (app, { db, auth, cells }) => {
  requireCaller(app);
  requireAdmin(app);

  app.post(
    '/users/:id/:action',
    {
      schema: {
        tags,
        summary:
          'disable (it cannot sign in; its sessions and sockets end at once), enable, or sign-out (end every session) a user',
        params: z.object({ id: z.uuid(), action: adminUserAction }),
        response: { 204: z.null(), 400: errorResponse, ...denied, 404: errorResponse },
      },
    },
    async (request, reply) => {
      await actOnUser(auth, adminOf(request), request.params.id, request.params.action);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/workspaces',
    {
      schema: {
        tags,
        summary: 'Workspaces, most recently opened first, with owner, size and cell',
        querystring: adminWorkspaceQuery,
        response: { 200: adminWorkspaceList, 400: errorResponse, ...denied },
      },
    },
    async (request) => ({ workspaces: await listWorkspaces(db, cells, request.query) }),
  );

  app.post(
    '/workspaces/:id/stop-cell',
    {
      schema: {
        tags,
        summary: "Stop the workspace's cell, if it runs on the replica answering",
        params: z.object({ id: z.uuid() }),
        response: { 200: stopCellReply, 400: errorResponse, ...denied, 404: errorResponse },
      },
    },
    async (request) => ({
      stopped: await stopCell(db, cells, adminOf(request), request.params.id),
    }),
  );

  app.get(
    '/cells',
    {
      schema: {
        tags,
        summary: 'Running cells, the most memory first, then the most CPU',
        response: { 200: adminCellList, ...denied },
      },
    },
    async () => ({ cells: await runningCells(db, cells) }),
  );

  app.get(
    '/egress-refusals',
    {
      schema: {
        tags,
        summary: "This replica's recent egress proxy refusals (kept in memory), newest first",
        response: { 200: egressRefusalList, ...denied },
      },
    },
    async () => ({ refusals: recentEgressRefusals() }),
  );

  app.get(
    '/audit',
    {
      schema: {
        tags,
        summary: 'The audit log of administrative actions, newest first',
        querystring: auditQuery,
        response: { 200: auditLog, 400: errorResponse, ...denied },
      },
    },
    async (request) => ({ entries: await readAuditLog(db, request.query.limit) }),
  );
};
