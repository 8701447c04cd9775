import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, May, type Principal } from '#app/auth';
import { CreateFenceDto, ImportFencesDto, ListFencesQuery, UpdateFenceDto } from './fences.dto.js';
import { FencesService } from './fences.service.js';

const uuid = new ParseUUIDPipe({ version: undefined });

/** Geofences of the vehicle centre: the jurisdiction, forbidden venues, restaurants, parking lots, speed zones. */
@ApiTags('fences')
@ApiBearerAuth()
@Controller('v1/fences')
@May('fences.read')
export class FencesController {
  constructor(private readonly fences: FencesService) {}

  @Get()
  list(@Query() query: ListFencesQuery) {
    return this.fences.list(query.kind);
  }

  @Get(':id')
  get(@Param('id', uuid) id: string) {
    return this.fences.get(id);
  }

  @Post()
  @May('fences.write')
  @ApiOperation({ summary: 'Create a fence; the shape is validated and converted to WGS-84 once' })
  create(@Body() body: CreateFenceDto, @CurrentPrincipal() principal: Principal) {
    return this.fences.create(body, principal);
  }

  @Post('import')
  @May('fences.write')
  @ApiOperation({ summary: 'Import a GeoJSON FeatureCollection: all features or none' })
  import(@Body() body: ImportFencesDto, @CurrentPrincipal() principal: Principal) {
    return this.fences.import(body, principal);
  }

  @Put(':id')
  @May('fences.write')
  replace(@Param('id', uuid) id: string, @Body() body: CreateFenceDto, @CurrentPrincipal() principal: Principal) {
    return this.fences.replace(id, body, principal);
  }

  @Patch(':id')
  @May('fences.write')
  patch(@Param('id', uuid) id: string, @Body() body: UpdateFenceDto, @CurrentPrincipal() principal: Principal) {
    return this.fences.patch(id, body, principal);
  }

  @Delete(':id')
  @May('fences.write')
  @HttpCode(204)
  remove(@Param('id', uuid) id: string, @CurrentPrincipal() principal: Principal) {
    return this.fences.remove(id, principal);
  }
}
