/**
 * Tests only: Vitest's setup for the web project. CI runs the server suites beside these
 * on two cores, so a lazily loaded page or a session check can take seconds; findBy's
 * one-second default then fails a test that is right.
 */
import { configure } from '@testing-library/react';

configure({ asyncUtilTimeout: 5_000 });
